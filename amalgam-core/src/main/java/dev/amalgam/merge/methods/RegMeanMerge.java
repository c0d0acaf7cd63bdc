package dev.amalgam.merge.methods;

import dev.amalgam.error.BadInputException;
import dev.amalgam.linalg.Cholesky;
import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.SideInputMethod;
import dev.amalgam.merge.SideRequest;
import dev.amalgam.merge.SideTensor;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RegMean (Jin et al., "Dataless Knowledge Fusion by Merging Weights of Language Models", ICLR 2023,
 * arXiv:2212.09849; methods.md §3.2). For a linear layer whose Gram matrices G_i = X_iᵀX_i / N_i (its inputs in
 * model i) are given in each model's {@code gram: PATH} file under the layer's weight name:
 * <pre>
 *   G̃_i = a·G_i + (1 − a)·Diag(G_i)            a = reduce_non_diagonal_ratio (1.0: plain RegMean)
 *   W*  = (Σ_i c_i·G̃_i)⁻¹ · Σ_i c_i·G̃_i·W_iᵀ    (in × out; transposed back for nn.Linear's out × in)
 * </pre>
 * with c_i the model's {@code weight} (1 by default). The system is solved in float64 by Cholesky, retrying with
 * jitter δ·I when the summed Gram is singular (a dead input feature, fewer rows than inputs), never with an explicit
 * inverse. GPT-2's Conv1D weights are stored in × out and need no transpose. Every other tensor (biases, norms,
 * embeddings without a Gram) is the c-weighted mean. A layer must have a Gram in every model or in none.
 */
public final class RegMeanMerge implements MergeMethod, SideInputMethod {
    private static final MethodInfo INFO = new MethodInfo("regmean", "RegMean", "https://arxiv.org/abs/2212.09849",
            BaseModelUse.AS_INPUT, List.of(ParamSpec.perModel("weight", 1.0), ParamSpec.requiredPerModelText("gram"),
                    ParamSpec.global("reduce_non_diagonal_ratio", 1.0)), 1, Integer.MAX_VALUE)
            .withDescription("Closed-form regression mean of linear layers from each model's input Gram matrix (gram: PATH)");

    /** Output tensors stored in × out (GPT-2 Conv1D), decided per tensor while planning from the model type. */
    private final java.util.Map<String, Boolean> inByOut = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String p = SideParams.checkPaths(ctx, "gram", "regmean", true);
        if (p != null) {
            return p;
        }
        double a = ctx.params().number("reduce_non_diagonal_ratio");
        if (!(a >= 0 && a <= 1)) {
            return "regmean: reduce_non_diagonal_ratio must be in [0, 1], got " + a;
        }
        double sum = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            double w = ctx.inputParams().get(i).number("weight");
            if (!(w > 0) || Double.isInfinite(w)) {
                return "regmean: the weight of model '" + ctx.inputModels().get(i) + "' is " + w
                        + "; RegMean weights scale Gram matrices and must be finite and > 0";
            }
            sum += w;
        }
        return sum > 0 ? null : "regmean: weights sum to zero";
    }

    /** GPT-2 stores its Conv1D weights in × out (methods.md §0.1); everything else is nn.Linear's out × in. */
    static boolean storedInByOut(InputTensor t) {
        return "gpt2".equals(t.modelType()) && t.tensorName().matches(".*\\.(c_attn|c_proj|c_fc)\\.weight");
    }

    @Override
    public List<SideRequest> sideRequests(TensorMergeContext ctx, List<InputTensor> inputs) {
        if (ctx.shape().length != 2) {
            return List.of();
        }
        boolean transposed = storedInByOut(inputs.get(0));
        inByOut.put(ctx.outputName(), transposed);
        List<SideRequest> out = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            long in = transposed ? ctx.shape()[0] : ctx.shape()[1];
            out.add(new SideRequest(i, "gram:" + i, "gram", SideParams.path(ctx, i, "gram"),
                    inputs.get(i).tensorName(), new long[]{in, in}, true));
        }
        return out;
    }

    @Override
    public String checkSides(TensorMergeContext ctx, Set<String> foundIds) {
        if (foundIds.isEmpty() || foundIds.size() == ctx.inputCount()) {
            return null;
        }
        List<String> lacking = new ArrayList<>();
        for (int i = 0; i < ctx.inputCount(); i++) {
            if (!foundIds.contains("gram:" + i)) {
                lacking.add(ctx.inputModels().get(i));
            }
        }
        return "regmean: tensor " + ctx.outputName() + " has a Gram matrix for some models but not for "
                + String.join(", ", lacking) + "; give it in every model's Gram file (then it is solved) or in none"
                + " (then it is averaged)";
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int n = inputs.count();
        double[] c = new double[n];
        double cSum = 0;
        for (int i = 0; i < n; i++) {
            c[i] = ctx.inputParams().get(i).number("weight");
            cSum += c[i];
        }
        if (inputs.side("gram:0") == null) {
            weightedMean(inputs, output, c, cSum);
            return;
        }
        long[] shape = inputs.shape();
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        boolean linear = !inByOut.getOrDefault(ctx.outputName(), false);
        int in = linear ? cols : rows;
        int out = linear ? rows : cols;
        double a = ctx.params().number("reduce_non_diagonal_ratio");
        DMatrix gramSum = DMatrix.zeros(in, in);
        DMatrix rhs = DMatrix.zeros(in, out);
        for (int i = 0; i < n; i++) {
            DMatrix g = readMatrix(inputs.side("gram:" + i), in, in);
            shrinkOffDiagonal(g, a);
            DMatrix w = readModel(inputs, i, rows, cols);
            // G̃·Wᵀ for out × in weights (nn.Linear), G̃·W for in × out ones (Conv1D)
            DMatrix gw = linear ? Products.mulTransB(g, w) : Products.mul(g, w);
            gramSum.addScaled(c[i], g);
            rhs.addScaled(c[i], gw);
        }
        Cholesky.Solution sol;
        try {
            sol = Cholesky.solve(gramSum, rhs);
        } catch (ArithmeticException e) {
            throw new BadInputException("regmean: the summed Gram matrix of " + ctx.outputName() + " cannot be solved ("
                    + e.getMessage() + "); check the Gram files for NaN, infinite or negative-definite values");
        }
        if (sol.jitter() > 0) {
            ctx.warnings().accept("regmean: the summed Gram matrix of " + ctx.outputName() + " is singular (a dead"
                    + " input feature or too few rows); solved with " + sol.jitter() + "·I added to its diagonal");
        }
        DMatrix result = linear ? sol.x().transpose() : sol.x();
        float[] values = result.toFloats();
        output.write(0, values, 0, values.length);
    }

    /** G̃ = a·G + (1 − a)·Diag(G): off-diagonal entries times a, the diagonal kept. */
    static void shrinkOffDiagonal(DMatrix g, double a) {
        if (a == 1.0) {
            return;
        }
        int n = g.rows();
        double[] d = g.data();
        for (int r = 0; r < n; r++) {
            for (int col = 0; col < n; col++) {
                if (r != col) {
                    d[r * n + col] *= a;
                }
            }
        }
    }

    private static DMatrix readMatrix(SideTensor t, int rows, int cols) {
        float[] v = new float[rows * cols];
        t.read(0, v, 0, v.length);
        return DMatrix.fromFloats(rows, cols, v);
    }

    private static DMatrix readModel(TensorInputs inputs, int i, int rows, int cols) {
        float[] v = new float[rows * cols];
        inputs.read(i, 0, v, 0, v.length);
        return DMatrix.fromFloats(rows, cols, v);
    }

    private static void weightedMean(TensorInputs inputs, TensorOutput output, double[] c, double cSum) {
        long numel = inputs.numel();
        int chunk = (int) Math.min(1 << 15, Math.max(1, numel));
        float[][] x = new float[inputs.count()][chunk];
        float[] out = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int len = (int) Math.min(chunk, numel - off);
            for (int i = 0; i < x.length; i++) {
                inputs.read(i, off, x[i], 0, len);
            }
            for (int e = 0; e < len; e++) {
                double s = 0;
                for (int i = 0; i < x.length; i++) {
                    s += c[i] * x[i][e];
                }
                out[e] = (float) (s / cSum);
            }
            output.write(off, out, 0, len);
        }
    }
}
