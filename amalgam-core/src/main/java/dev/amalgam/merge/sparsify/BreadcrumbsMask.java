package dev.amalgam.merge.sparsify;

/**
 * Model Breadcrumbs (Davari and Belilovsky, "Model Breadcrumbs: Scaling Multi-Task Model Merging with Sparse
 * Masks", arXiv:2312.06795; compat.md §1.3 "magnitude_outliers"): drop the largest-magnitude outliers and the
 * smallest-magnitude noise, keep the band in between.
 *
 * <p>Index arithmetic, as mergekit: with {@code n} elements ranked by ascending magnitude, {@code target =
 * ⌊density·n⌋}, {@code n_top = ⌊gamma·n⌋}, {@code n_bot = n − target − n_top} (when negative, it is moved
 * into {@code n_top} and set to 0); ranks {@code [n_bot, n − n_top)} survive. Ranks use the same total order as
 * {@link MagnitudeSelection} (ties: lower flat index ranks higher), so the band is "in the top n − n_bot and
 * not in the top n_top", two selections and no sort.
 *
 * <p>Deviation [Q]: mergekit writes the band as the slice {@code [n_bot:-n_top]}, which is empty when
 * {@code n_top = 0} (γ·n < 1, γ = 0, or the adjustment above landing on 0) and zeroes the whole task vector.
 * Amalgam keeps {@code [n_bot, n)} then: no outliers are removed, as γ·n < 1 says.
 */
public final class BreadcrumbsMask implements SparseMask {
    private final TopK upper;
    private final TopK outliers;

    private BreadcrumbsMask(TopK upper, TopK outliers) {
        this.upper = upper;
        this.outliers = outliers;
    }

    /** The band {@code [n_bot, n − n_top)} of {@link #band}; keeps everything at density ≥ 1. */
    public static SparseMask of(ValueSource src, long numel, double density, double gamma) {
        if (density >= 1) {
            return KEEP_ALL;
        }
        long[] band = band(numel, density, gamma);
        long nBot = band[0];
        long nTop = band[1];
        if (nBot + nTop >= numel) {
            return DROP_ALL;
        }
        TopK upper = MagnitudeSelection.select(src, numel, numel - nBot);
        TopK outliers = MagnitudeSelection.select(src, numel, nTop);
        return new BreadcrumbsMask(upper, outliers);
    }

    /** {n_bot, n_top} for {@code n} elements, as mergekit computes them (both clamped at 0). */
    public static long[] band(long n, double density, double gamma) {
        long target = Math.max(0, Math.min(n, (long) Math.floor(density * n)));
        long nTop = Math.max(0, (long) Math.floor(gamma * n));
        long nBot = n - target - nTop;
        if (nBot < 0) {
            nTop = Math.max(0, nTop + nBot);
            nBot = 0;
        }
        return new long[]{nBot, nTop};
    }

    @Override
    public void apply(float[] values, int n, long offset) {
        for (int e = 0; e < n; e++) {
            long i = offset + e;
            if (!upper.keeps(values[e], i) || outliers.keeps(values[e], i)) {
                values[e] = 0f;
            }
        }
    }
}
