package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.geometry.LinearBlend;
import dev.amalgam.merge.geometry.Members;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.merge.random.RandomSubset;
import java.util.Arrays;
import java.util.List;

/**
 * Arcee Fusion (Arcee AI, 2025; compat.md §1.8): keeps only the other model's most important changes to the base.
 * Per row r (the last dimension; a 1-D tensor is one row) the KL divergence between the softmax of the other
 * model's row and the base's row, {@code kl_r = Σ p·log(p/q)} with {@code p = softmax(x) + 1e-8} and
 * {@code q = softmax(a) + 1e-8}, scales the change: {@code I = |x − a|·kl_r}. The threshold is the upper Tukey fence
 * of I, {@code q(0.5) + 1.5·(q(0.75) − q(0.25))} with {@code q(z) = sorted(I)[floor(z·(len − 1))]}, and
 * {@code out = a + (x − a)·(I ≥ threshold)}.
 *
 * <p>For tensors of more than 10⁶ elements mergekit estimates the quantiles from a random subsample of 10⁶ of them
 * (torch's {@code randperm}); Amalgam draws exactly as many with {@link RandomSubset}, keyed by (seed, tensor name,
 * element index), so a seed reproduces the merge on any thread count. Memory: one row per input for the KL pass,
 * at most 10⁶ floats for the quantiles, one chunk per input for the other passes.
 */
public final class ArceeFusionMerge implements MergeMethod {
    /** mergekit's subsample size for the quantile estimate. */
    static final int SAMPLE = 1_000_000;
    private static final double SOFTMAX_EPS = 1e-8;

    private static final MethodInfo INFO = new MethodInfo("arcee_fusion", "Arcee Fusion", "https://arcee.ai",
            BaseModelUse.REQUIRED, List.of(), 1, 2, EmbedRectification.COMMON_SUBMATRIX, true)
            .withDescription("Keeps the model's changes where their KL-based importance is above a dynamic threshold");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.inputCount() == 2) {
            return Members.requireBase(ctx, "arcee_fusion", "the other model's changes to it are fused in");
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        if (inputs.count() == 1) {
            LinearBlend.copy(inputs, output, 0);
            return;
        }
        int a = ctx.baseIndex();
        int x = 1 - a;
        long numel = inputs.numel();
        if (numel == 0) {
            return;
        }
        long[] shape = inputs.shape();
        long rowLen = shape.length <= 1 ? Math.max(1, numel) : shape[shape.length - 1];
        float[] kl = rowDivergences(inputs, a, x, numel, rowLen);
        float threshold = threshold(sample(ctx, inputs, a, x, kl, rowLen));
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[] av = new float[chunk];
        float[] xv = new float[chunk];
        float[] res = new float[chunk];
        Kernels kernels = Kernels.active();
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            inputs.read(a, off, av, 0, n);
            inputs.read(x, off, xv, 0, n);
            // one kernel call per run of a row inside the chunk: the row's divergence is the run's factor
            for (int e = 0; e < n; ) {
                long row = (off + e) / rowLen;
                int end = (int) Math.min(n, (row + 1) * rowLen - off);
                kernels.fuseAbove(res, av, xv, kl[(int) row], threshold, e, end - e);
                e = end;
            }
            output.write(off, res, 0, n);
        }
    }

    /** KL(softmax(x_r) + 1e-8 ‖ softmax(a_r) + 1e-8) of every row r, computed in float64, stored as float32. */
    static float[] rowDivergences(TensorInputs in, int a, int x, long numel, long rowLen) {
        int rows = (int) (numel / rowLen);
        float[] kl = new float[rows];
        int perBlock = (int) Math.max(1, ElementwiseMethod.CHUNK / rowLen);
        float[] av = new float[(int) (perBlock * rowLen)];
        float[] xv = new float[av.length];
        double[] ex = new double[(int) rowLen];
        double[] ea = new double[(int) rowLen];
        for (int r0 = 0; r0 < rows; r0 += perBlock) {
            int nr = Math.min(perBlock, rows - r0);
            int n = (int) (nr * rowLen);
            in.read(a, r0 * rowLen, av, 0, n);
            in.read(x, r0 * rowLen, xv, 0, n);
            for (int r = 0; r < nr; r++) {
                kl[r0 + r] = (float) divergence(xv, av, (int) (r * rowLen), (int) rowLen, ex, ea);
            }
        }
        return kl;
    }

    /** KL of one row: p from {@code x}, q from {@code a}, both softmax plus 1e-8. */
    static double divergence(float[] x, float[] a, int from, int len) {
        return divergence(x, a, from, len, new double[len], new double[len]);
    }

    /** The same, with scratch rows for the exponentials (each is computed once). */
    private static double divergence(float[] x, float[] a, int from, int len, double[] ex, double[] ea) {
        double mx = Double.NEGATIVE_INFINITY;
        double ma = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + len; i++) {
            mx = Math.max(mx, x[i]);
            ma = Math.max(ma, a[i]);
        }
        double zx = 0;
        double za = 0;
        for (int i = 0; i < len; i++) {
            ex[i] = Math.exp(x[from + i] - mx);
            ea[i] = Math.exp(a[from + i] - ma);
            zx += ex[i];
            za += ea[i];
        }
        double kl = 0;
        for (int i = 0; i < len; i++) {
            double p = ex[i] / zx + SOFTMAX_EPS;
            double q = ea[i] / za + SOFTMAX_EPS;
            kl += p * Math.log(p / q);
        }
        return kl;
    }

    /** The importance values the quantiles are taken from: all of them, or a random 10⁶ of a larger tensor. */
    private static float[] sample(TensorMergeContext ctx, TensorInputs in, int a, int x, float[] kl, long rowLen) {
        long numel = in.numel();
        RandomSubset subset = numel > SAMPLE
                ? RandomSubset.choose(new CounterRandom(ctx.seed(), ctx.outputName()), numel, SAMPLE) : null;
        float[] s = new float[(int) Math.min(numel, SAMPLE)];
        int at = 0;
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[] av = new float[chunk];
        float[] xv = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            in.read(a, off, av, 0, n);
            in.read(x, off, xv, 0, n);
            for (int e = 0; e < n; e++) {
                if (subset == null || subset.contains(off + e)) {
                    s[at++] = Math.abs(xv[e] - av[e]) * kl[(int) ((off + e) / rowLen)];
                }
            }
        }
        return s;
    }

    /** The upper Tukey fence q(0.5) + 1.5·(q(0.75) − q(0.25)) of the values, with mergekit's index quantile. */
    static float threshold(float[] values) {
        if (values.length == 0) {
            return 0f;
        }
        float[] s = values.clone();
        Arrays.sort(s);
        return quantile(s, 0.5) + 1.5f * (quantile(s, 0.75) - quantile(s, 0.25));
    }

    private static float quantile(float[] sorted, double z) {
        return sorted[(int) Math.floor(z * (sorted.length - 1))];
    }
}
