package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.geometry.Members;
import java.util.List;

/**
 * RAM+ with tensor-local rescaling, {@code ramplus_tl} (compat.md §1.5): RAM ({@link RamMerge}), except that the
 * changes only one model makes are amplified for models that share much of their active set with others. Per
 * tensor and model, {@code ρ_i = #(active_i ∧ shared) / max(#(active_i ∧ unique), epsilon)} and
 * {@code λ_i = 1 + r·clamp(ρ_i, 0, alpha)}; then
 * {@code out = b + Σ_i T_i·A_i·(unique ? λ_i : 1/c)} with {@code c} the number of active models at the element.
 *
 * <p>Two passes over the tensor in chunks: the counts that give ρ_i, then the blend.
 */
public final class RamPlusTlMerge implements MergeMethod {
    private static final MethodInfo INFO = new MethodInfo("ramplus_tl",
            "Reinforced Agent Merging Plus (Tensor-Local)", "https://arxiv.org/abs/2601.13572", BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("r", 0.1), ParamSpec.global("alpha", 0.2), ParamSpec.global("epsilon", 1e-5)),
            1, Integer.MAX_VALUE, EmbedRectification.NONE, false)
            .withDescription("RAM, amplifying the changes only one model makes by how much that model shares with the others (r, alpha)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        return Members.requireBase(ctx, "ramplus_tl", "task vectors are taken against it");
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int b = ctx.baseIndex();
        int[] members = Members.nonBase(ctx);
        int k = members.length;
        float eps = (float) ctx.params().number("epsilon");
        double r = ctx.params().number("r");
        double alpha = ctx.params().number("alpha");
        long numel = inputs.numel();
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[][] x = new float[k][chunk];
        float[] bv = new float[chunk];
        // counts[i] = {unique, shared}: model i's active elements that only it changes, and the others
        long[][] counts = new long[k][2];
        Kernels kernels = Kernels.active();
        // c = the number of active models per element (addIfAbove counts them; its sum of δ is not needed here)
        double[] c = new double[chunk];
        double[] sum = new double[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = read(inputs, members, b, x, bv, off, chunk, numel);
            activeCounts(kernels, x, bv, eps, c, sum, n);
            for (int i = 0; i < k; i++) {
                kernels.countActive(counts[i], x[i], bv, eps, c, n);
            }
        }
        double[] lambda = new double[k];
        for (int i = 0; i < k; i++) {
            lambda[i] = lambda(counts[i][1], counts[i][0], r, alpha, eps);
        }
        float[] res = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = read(inputs, members, b, x, bv, off, chunk, numel);
            activeCounts(kernels, x, bv, eps, c, sum, n);
            // Σ over active models, in model order and float64: δ·λ_i where one model is active, δ/c otherwise
            java.util.Arrays.fill(sum, 0, n, 0.0);
            for (int i = 0; i < k; i++) {
                kernels.ramPlusStep(sum, c, x[i], bv, eps, lambda[i], n);
            }
            kernels.narrowAddOrBase(res, bv, sum, c, n);
            output.write(off, res, 0, n);
        }
    }

    /** {@code c[e]} = the number of models whose |x − b| exceeds eps at element e; {@code scratch} is overwritten. */
    private static void activeCounts(Kernels kernels, float[][] x, float[] bv, float eps, double[] c,
                                     double[] scratch, int n) {
        java.util.Arrays.fill(c, 0, n, 0.0);
        java.util.Arrays.fill(scratch, 0, n, 0.0);
        for (float[] xi : x) {
            kernels.addIfAbove(scratch, c, xi, bv, eps, n);
        }
    }

    /** λ_i from the counts of model i's active elements that other models share and that only it changes. */
    static double lambda(long shared, long unique, double r, double alpha, double eps) {
        double rho = shared / Math.max((double) unique, eps);
        return 1 + r * Math.max(0, Math.min(alpha, rho));
    }

    private static int read(TensorInputs in, int[] members, int b, float[][] x, float[] bv, long off, int chunk,
                            long numel) {
        int n = (int) Math.min(chunk, numel - off);
        for (int i = 0; i < members.length; i++) {
            in.read(members[i], off, x[i], 0, n);
        }
        in.read(b, off, bv, 0, n);
        return n;
    }
}
