package dev.amalgam.merge.sparsify;

import dev.amalgam.kernel.Kernels;

/**
 * DARE/DELLA's {@code rescale}: as in current mergekit (v0.1.0 and later, compat.md §1.3) the surviving
 * elements are multiplied by {@code Σ|δ| / Σ|masked δ|}, so the sparsified task vector has the L1 norm of the
 * original; it is not the paper's {@code 1/density}. Both sums are taken in float64 over the whole tensor, so
 * they cannot overflow for float16 inputs as mergekit's do (its sums run in the working dtype).
 */
public final class L1Rescale {
    /** Below this either sum counts as zero and no rescaling is done (mergekit's 1e-7 guard). */
    static final double EPS = 1e-7;

    private L1Rescale() {
    }

    /** The factor that restores the L1 norm of {@code src} after {@code mask}; 1 when either norm is ~0. */
    public static double factor(ValueSource src, long numel, SparseMask mask) {
        if (mask == SparseMask.KEEP_ALL) {
            return 1.0;
        }
        double[] sums = new double[2];
        Chunks.forEach(src, numel, (v, n, off) -> {
            sums[0] += l1(v, n);
            mask.apply(v, n, off);
            sums[1] += l1(v, n);
            return true;
        });
        return factor(sums[0], sums[1]);
    }

    static double factor(double before, double after) {
        return before < EPS || after < EPS ? 1.0 : before / after;
    }

    /**
     * Σ|v| of one chunk in float64 ({@link Kernels#sumAbs}: eight interleaved partial sums, so the factor can differ
     * from a left-to-right sum in the last float64 bits only, far below the float32 it is rounded to).
     */
    static double l1(float[] v, int n) {
        return Kernels.active().sumAbs(v, n);
    }
}
