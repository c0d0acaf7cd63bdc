package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.TensorMergeContext;

/**
 * The client (worker) inputs of a server step and their normalized weights ω_i = n_i / Σ n (methods.md §5.1):
 * every input except the base model, which is the global model x_t. The per-model {@code weight} is the client's
 * sample count; left at its default of 1 the weights are uniform, as in the FedOpt paper and DiLoCo.
 */
record ClientWeights(int base, int[] clients, double[] omega) {

    static ClientWeights of(TensorMergeContext ctx) {
        int n = ctx.inputCount();
        int base = ctx.baseIndex();
        int[] clients = new int[n - 1];
        double[] omega = new double[n - 1];
        double sum = 0;
        for (int i = 0, k = 0; i < n; i++) {
            if (i == base) {
                continue;
            }
            clients[k] = i;
            omega[k] = ctx.inputParams().get(i).number("weight", 1.0);
            sum += omega[k];
            k++;
        }
        for (int k = 0; k < omega.length; k++) {
            omega[k] /= sum;
        }
        return new ClientWeights(base, clients, omega);
    }

    /** A problem with the recipe's base model or weights for this tensor, or null. */
    static String validate(TensorMergeContext ctx, String method) {
        if (ctx.baseIndex() < 0) {
            return "merge method " + method + " needs base_model: the global model the clients started this round"
                    + " from";
        }
        if (ctx.inputCount() < 2) {
            return "merge method " + method + " needs at least one client model besides base_model (tensor "
                    + ctx.outputName() + ")";
        }
        double sum = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            if (i == ctx.baseIndex()) {
                continue;
            }
            double w = ctx.inputParams().get(i).number("weight", 1.0);
            if (!(w >= 0) || Double.isInfinite(w)) {
                return method + ": the weight of client '" + ctx.inputModels().get(i) + "' is " + w
                        + "; client weights are sample counts and must be finite and ≥ 0";
            }
            sum += w;
        }
        if (sum == 0) {
            return method + ": the client weights of tensor " + ctx.outputName() + " sum to zero";
        }
        return null;
    }

    /** {@code d[e] = Σ ω_i (x_i − x_t)} for the first {@code n} elements in float64: clients in order, from +0.0. */
    void deltas(float[][] in, double[] d, int n) {
        Kernels k = Kernels.active();
        java.util.Arrays.fill(d, 0, n, 0.0);
        for (int c = 0; c < clients.length; c++) {
            k.axpyDiffWide(d, omega[c], in[clients[c]], in[base], n);
        }
    }
}
