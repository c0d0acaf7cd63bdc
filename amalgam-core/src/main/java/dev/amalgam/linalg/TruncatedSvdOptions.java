package dev.amalgam.linalg;

/**
 * How a top-k SVD is computed.
 *
 * @param mode            {@link Mode#EXACT} always runs the full float64 SVD and truncates; {@link Mode#RANDOMIZED}
 *                        always runs Halko's randomized SVD; {@link Mode#AUTO} (the default) runs the randomized one
 *                        only when it saves work, i.e. when min(m, n) ≥ {@value #AUTO_MIN_RANK}
 *                        and k + oversample ≤ min(m, n) / 2 (then its (2q + 2) products of m·n·(k + p) cost
 *                        less than a full SVD; e.g. TSV-M with T ≥ 3 tasks on 4096² matrices)
 * @param oversample      extra sample columns p (Halko et al. 2011 recommend 5–10; ≥ 10 per spec §0.7)
 * @param powerIterations subspace (power) iterations q, each re-orthonormalized by QR (q = 2 per spec §0.7)
 * @param seed            seeds the Gaussian test matrix, so a run is reproducible
 *
 * <p>The system property {@value #FORCE_EXACT_PROPERTY}{@code =true} (e.g. {@code JAVA_OPTS=-Damalgam.svd.exact=true})
 * turns every mode into EXACT, to check a merge against the exact decomposition without editing the recipe.
 */
public record TruncatedSvdOptions(Mode mode, int oversample, int powerIterations, long seed) {
    public static final String FORCE_EXACT_PROPERTY = "amalgam.svd.exact";

    /** AUTO decomposes matrices with min(m, n) below this exactly: cheap, and exact on flat spectra. */
    public static final int AUTO_MIN_RANK = 256;

    public enum Mode { AUTO, EXACT, RANDOMIZED }

    public TruncatedSvdOptions {
        if (oversample < 0 || powerIterations < 0) {
            throw new IllegalArgumentException("oversample and powerIterations must be ≥ 0");
        }
    }

    /** AUTO mode, p = 10, q = 2. */
    public static TruncatedSvdOptions defaults(long seed) {
        return new TruncatedSvdOptions(Mode.AUTO, 10, 2, seed);
    }

    public static TruncatedSvdOptions exact() {
        return new TruncatedSvdOptions(Mode.EXACT, 10, 2, 0L);
    }

    public TruncatedSvdOptions withMode(Mode m) {
        return new TruncatedSvdOptions(m, oversample, powerIterations, seed);
    }

    /** True when the system property forces exact SVDs everywhere. */
    public static boolean exactForced() {
        return Boolean.parseBoolean(System.getProperty(FORCE_EXACT_PROPERTY, "false"));
    }

    /** Whether a top-{@code k} SVD of a matrix with min(m, n) = {@code r} should be randomized. */
    public boolean useRandomized(int k, int r) {
        if (exactForced() || mode == Mode.EXACT || k == 0) {
            return false;
        }
        if (mode == Mode.RANDOMIZED) {
            return k + oversample < r;
        }
        return r >= AUTO_MIN_RANK && 2L * (k + oversample) <= r;
    }
}
