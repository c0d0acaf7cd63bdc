package dev.amalgam.merge.sparsify;

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
        for (int e = 0; e < n; e++) {
            boolean positive = majorityPositive(wd, models, e);
            float sum = 0f;
            float wsum = 0f;
            for (int m = 0; m < models; m++) {
                float x = wd[m][e];
                if (agrees(x, positive)) {
                    sum += x;
                    wsum += weights[m];
                }
            }
            mixed[e] = sum;
            div[e] = wsum == 0f ? 1f : wsum;
        }
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
        for (int e = 0; e < n; e++) {
            float sum = 0f;
            for (int m = 0; m < models; m++) {
                sum += wd[m][e];
            }
            mixed[e] = sum;
            div[e] = d;
        }
    }
}
