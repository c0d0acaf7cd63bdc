package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.sparsify.MagnitudeSelection;
import dev.amalgam.merge.sparsify.TopK;
import dev.amalgam.merge.sparsify.ValueSource;
import java.util.ArrayList;
import java.util.List;

/**
 * SCE, "Select, Calculate, Erase" (Wan et al., "FuseChat: Knowledge Fusion of Chat Models", arXiv:2408.07990;
 * compat.md §1.4):
 *
 * <pre>
 * Tᵢ = xᵢ − b
 * select:    if select_topk < 1, keep (for all models alike) the ⌊nnz(v)·select_topk⌋ elements of largest
 *            population variance v across the models
 * calculate: sᵢ = mean(Tᵢ²) over the tensor, sᵢ /= Σ s (uniform 1/N when |Σ s| < 1e-6)
 * erase:     Eᵢ = TIES sign agreement of the unweighted Tᵢ
 * out = b + Σ Tᵢ·sᵢ·Eᵢ / max(Σ sᵢ·Eᵢ, 1e-6)
 * </pre>
 *
 * No per-model weight, density or lambda. The variance top-k uses {@link MagnitudeSelection} (ties: lower flat
 * index first). Shapes must match (mergekit does no embedding rectification for sce).
 */
public final class SceMerge implements MergeMethod {
    private static final int CHUNK = 1 << 16;
    private static final MethodInfo INFO = new MethodInfo("sce", "SCE", "https://arxiv.org/abs/2408.07990",
            BaseModelUse.REQUIRED, List.of(ParamSpec.global("int8_mask", false), ParamSpec.global("select_topk", 1.0)),
            1, Integer.MAX_VALUE, EmbedRectification.NONE, false,
            "Keeps the elements where the models vary most, weights models by task-vector energy, TIES-style erase");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.baseIndex() < 0) {
            return "merge method sce needs a base model (task vectors are taken against it); add"
                    + " `base_model: <model>` to the recipe";
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int base = ctx.baseIndex();
        long numel = inputs.numel();
        List<TaskVectorSource> deltas = new ArrayList<>();
        for (int i = 0; i < inputs.count(); i++) {
            if (i != base) {
                deltas.add(new TaskVectorSource(inputs, i, base));
            }
        }
        int m = deltas.size();
        TaskVectors tv = new TaskVectors(deltas, Math.min(CHUNK, Math.max(1, numel)));
        TopK selected = select(tv, numel, ctx.params().number("select_topk"));
        float[] s = energyWeights(tv, numel, selected);

        int chunk = tv.chunk;
        float[] b = new float[chunk];
        float[] out = new float[chunk];
        float[][] scratch = new float[3][chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            inputs.read(base, off, b, 0, n);
            tv.read(off, n, selected);
            combine(tv.values, s, m, n, b, out, scratch);
            output.write(off, out, 0, n);
        }
    }

    /** The variance top-k mask, or null when {@code select_topk ≥ 1} (everything is kept). */
    private static TopK select(TaskVectors tv, long numel, double selectTopk) {
        if (selectTopk >= 1 || tv.values.length == 0) {
            return null;
        }
        ValueSource variance = tv::variance;
        long[] nonZero = {0};
        float[] buf = new float[tv.chunk];
        for (long off = 0; off < numel; off += tv.chunk) {
            int n = (int) Math.min(tv.chunk, numel - off);
            variance.read(off, buf, n);
            for (int e = 0; e < n; e++) {
                if (buf[e] != 0f) {
                    nonZero[0]++;
                }
            }
        }
        long k = (long) Math.floor(nonZero[0] * selectTopk);
        // k = 0 keeps nothing: the tensor stays at the base (mergekit zeroes the task vectors then, too)
        return MagnitudeSelection.select(variance, numel, k);
    }

    /** {@code sᵢ = mean(Tᵢ²)} normalised to sum 1, uniform when the sum is below 1e-6 (as mergekit). */
    private static float[] energyWeights(TaskVectors tv, long numel, TopK selected) {
        int m = tv.values.length;
        double[] sq = new double[m];
        for (long off = 0; off < numel; off += tv.chunk) {
            int n = (int) Math.min(tv.chunk, numel - off);
            tv.read(off, n, selected);
            for (int k = 0; k < m; k++) {
                // float64 partial sums (Kernels' order): only the last float64 bits can differ from a running sum
                sq[k] += Kernels.active().sumSquares(tv.values[k], n);
            }
        }
        double total = 0;
        for (int k = 0; k < m; k++) {
            sq[k] /= Math.max(1, numel);
            total += sq[k];
        }
        float[] s = new float[m];
        for (int k = 0; k < m; k++) {
            s[k] = (float) (Math.abs(total) < 1e-6 ? 1.0 / m : sq[k] / total);
        }
        return s;
    }

    /**
     * {@code out = b + Σ Tᵢ·sᵢ·Eᵢ / max(Σ sᵢ·Eᵢ, 1e-6)} per element (the erase step), model-major through the
     * kernels with three scratch rows of at least {@code n}. The majority sign is that of {@code ((0 + T₀) + T₁) +
     * …} in model order (SignConsensus.majorityPositive). Both sums start at +0.0 and add +0.0 where a model
     * disagrees, which is the identity (they never hold −0.0: +0.0 plus −0.0 is +0.0), so the bits are those of
     * summing only the agreeing terms in model order.
     */
    static void combine(float[][] t, float[] s, int m, int n, float[] b, float[] out, float[][] scratch) {
        Kernels kernels = Kernels.active();
        float[] total = scratch[0];
        float[] num = scratch[1];
        float[] den = scratch[2];
        java.util.Arrays.fill(total, 0, n, 0f);
        java.util.Arrays.fill(num, 0, n, 0f);
        java.util.Arrays.fill(den, 0, n, 0f);
        for (int k = 0; k < m; k++) {
            kernels.add(total, total, t[k], n);
        }
        for (int k = 0; k < m; k++) {
            kernels.agreeScaledSum(num, den, total, t[k], s[k], n);
        }
        kernels.atLeast(den, den, 1e-6f, n);
        kernels.quotient(num, num, den, n);
        kernels.add(out, b, num, n);
    }

    /** The task vectors of all models, one chunk at a time, with the variance selection applied. */
    private static final class TaskVectors {
        final List<TaskVectorSource> sources;
        final float[][] values;
        final int chunk;
        private float[][] scratch;
        private float[] selectionBuf;

        TaskVectors(List<TaskVectorSource> sources, long chunk) {
            this.sources = sources;
            this.chunk = (int) chunk;
            this.values = new float[sources.size()][this.chunk];
            this.scratch = new float[sources.size()][this.chunk];
            this.selectionBuf = new float[this.chunk];
        }

        /** Reads chunk {@code [off, off+n)} of every task vector; zeroes what {@code selected} drops. */
        void read(long off, int n, TopK selected) {
            for (int k = 0; k < values.length; k++) {
                sources.get(k).read(off, values[k], n);
            }
            if (selected == null) {
                return;
            }
            if (selectionBuf.length < n) {
                selectionBuf = new float[n];
            }
            float[] v = selectionBuf;
            variance(off, v, n);
            for (int e = 0; e < n; e++) {
                if (!selected.keeps(v[e], off + e)) {
                    for (float[] row : values) {
                        row[e] = 0f;
                    }
                }
            }
        }

        /** Population variance across the models, per element (float64, rounded once to float32). */
        void variance(long off, float[] dst, int n) {
            int m = sources.size();
            if (m > 0 && scratch[0].length < n) {
                scratch = new float[m][n];
            }
            float[][] t = scratch;
            for (int k = 0; k < m; k++) {
                sources.get(k).read(off, t[k], n);
            }
            for (int e = 0; e < n; e++) {
                double mean = 0;
                for (int k = 0; k < m; k++) {
                    mean += t[k][e];
                }
                mean /= m;
                double var = 0;
                for (int k = 0; k < m; k++) {
                    double d = t[k][e] - mean;
                    var += d * d;
                }
                dst[e] = (float) (var / m);
            }
        }
    }
}
