package dev.amalgam.merge.sparsify;

import dev.amalgam.kernel.Kernels;

/**
 * TIES sign election and the disjoint merge (Yadav et al., "TIES-Merging: Resolving Interference When Merging
 * Models", arXiv:2306.01708; compat.md §1.3). Per element the majority sign is the sign of the sum of the
 * (weighted) task vectors, an exact zero sum counting as positive; a model's value takes part only when it is
 * non-zero and has that sign. Written chunk-wise over plain arrays so it can later get a SIMD twin.
 */
public final class SignConsensus {
    private SignConsensus() {
    }

    /** True when the majority sign of element {@code e} over {@code models} rows of {@code v} is positive. */
    public static boolean majorityPositive(float[][] v, int models, int e) {
        float total = 0f;
        for (int m = 0; m < models; m++) {
            total += v[m][e];
        }
        return total >= 0f;
    }

    /** Whether {@code value} votes with the majority: non-zero and of the majority's sign (NaN never does). */
    public static boolean agrees(float value, boolean positive) {
        return positive ? value > 0f : value < 0f;
    }

    /**
     * TIES disjoint sum: {@code mixed = Σ wd_m·M_m}, {@code div = Σ w_m·M_m} with 0 replaced by 1 (so an element
     * no model agrees on stays 0 after normalisation), where {@code M_m} is the agreement mask of the weighted
     * deltas {@code wd}.
     */
    public static void disjointSum(float[][] wd, float[] weights, int models, int n, float[] mixed, float[] div) {
        disjointSum(wd, weights, models, n, mixed, div, new float[n]);
    }

    /**
     * {@link #disjointSum(float[][], float[], int, int, float[], float[])} with a caller's scratch row of at
     * least {@code n} floats. Model-major and without data-dependent branches (at density 0.5 each agreement test
     * is a coin flip a branch predictor loses half the time). Adding {@code +0.0} where a model does not agree is
     * the identity here, so the bits are those of summing only the agreeing values in model order: both sums start
     * at +0.0 and can reach −0.0 only by adding −0.0, which never happens (an agreeing value is non-zero; a
     * non-agreeing one adds +0.0; a weight of −0.0 added to +0.0 gives +0.0).
     */
    public static void disjointSum(float[][] wd, float[] weights, int models, int n, float[] mixed, float[] div,
                                   float[] total) {
        if (models == 0) {
            java.util.Arrays.fill(mixed, 0, n, 0f);
            java.util.Arrays.fill(div, 0, n, 1f);
            return;
        }
        Kernels kernels = Kernels.active(); // per call: tests pin kernels per thread
        // the majority sign: ((0 + wd₀) + wd₁) + … in model order, as majorityPositive
        java.util.Arrays.fill(total, 0, n, 0f);
        for (int m = 0; m < models; m++) {
            kernels.add(total, total, wd[m], n);
        }
        java.util.Arrays.fill(mixed, 0, n, 0f);
        java.util.Arrays.fill(div, 0, n, 0f);
        for (int m = 0; m < models; m++) {
            kernels.agreeSum(mixed, div, total, wd[m], weights[m], n);
        }
        kernels.orIfZero(div, div, 1f, n);
    }

    /**
     * No consensus: {@code mixed = Σ wd_m}, {@code div = Σ w_m} (the same for every element), replaced by 1 when
     * |Σ w| < 1e-8 as in mergekit.
     */
    public static void plainSum(float[][] wd, float[] weights, int models, int n, float[] mixed, float[] div) {
        float wsum = 0f;
        for (int m = 0; m < models; m++) {
            wsum += weights[m];
        }
        float d = Math.abs(wsum) < 1e-8f ? 1f : wsum;
        // ((0 + wd₀) + wd₁) + … per element, model by model
        Kernels kernels = Kernels.active();
        java.util.Arrays.fill(mixed, 0, n, 0f);
        for (int m = 0; m < models; m++) {
            kernels.add(mixed, mixed, wd[m], n);
        }
        java.util.Arrays.fill(div, 0, n, d);
    }
}
