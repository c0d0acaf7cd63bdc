package dev.amalgam.linalg;

import dev.amalgam.merge.random.CounterRandom;

/**
 * Randomized truncated SVD after Halko, Martinsson and Tropp, "Finding structure with randomness" (SIAM Review
 * 2011), Algorithms 4.4 (randomized subspace iteration) and 5.1 (direct SVD):
 * <ol>
 *   <li>Ω: n×l Gaussian, l = k + p; Q = orth(A·Ω).</li>
 *   <li>q times: Q = orth(A·orth(Aᵀ·Q)). Re-orthonormalizing between the two products keeps the small singular
 *       directions from being lost to rounding (the plain power scheme (AAᵀ)^q·A·Ω does).</li>
 *   <li>B = Qᵀ·A (l×n), the top k of its exact SVD B = Ũ·S·Vᵀ (by {@link GramRoute#topK} when accurate), and
 *       U = Q·Ũ.</li>
 * </ol>
 * All products go through {@link Products} (BLAS), which is where the time goes; the SVD is only l×n. The Gaussian
 * draws come from {@link CounterRandom}, keyed by the seed and the element index, so a run is reproducible for
 * any thread count. With p ≥ 10 and q = 2 the top singular values agree with the exact ones to a few digits on
 * decaying spectra (see RandomizedSvdTest); on a flat spectrum the subspace is only approximately the top one,
 * which is what the methods using it (TSV's per-task top-d step, Iso-CTS residuals, CART) tolerate.
 */
public final class RandomizedSvd {
    private RandomizedSvd() {
    }

    public static SvdResult compute(DMatrix a, int k, TruncatedSvdOptions options) {
        Svd.requireFinite(a);
        int m = a.rows(), n = a.cols();
        int r = Math.min(m, n);
        int l = Math.min(r, k + options.oversample());
        if (k <= 0) {
            return new SvdResult(DMatrix.zeros(m, 0), new double[0], DMatrix.zeros(n, 0));
        }
        DMatrix omega = gaussian(n, l, options.seed());
        DMatrix q = Qr.orthonormalBasis(Products.mul(a, omega));
        for (int i = 0; i < options.powerIterations(); i++) {
            DMatrix w = Qr.orthonormalBasis(Products.mulTransA(a, q));
            q = Qr.orthonormalBasis(Products.mul(a, w));
        }
        DMatrix b = Products.mulTransA(q, a);
        // Only B's top k triplets are kept: the Gram route (an l×l eigendecomposition) when it is accurate.
        SvdResult small = GramRoute.topK(b, k);
        if (small == null) {
            small = Svd.thin(b).truncate(k);
        }
        DMatrix u = Products.mul(q, small.u());
        return new SvdResult(u, small.s(), small.v());
    }

    /** An n×l standard normal matrix, element (i, j) a pure function of (seed, i·l + j), by Box–Muller. */
    static DMatrix gaussian(int n, int l, long seed) {
        CounterRandom rnd = new CounterRandom(seed, "randomized-svd");
        DMatrix g = DMatrix.zeros(n, l);
        double[] d = g.data();
        for (int i = 0; i < d.length; i++) {
            double u1 = 1.0 - rnd.uniform(2L * i); // (0, 1]: log is finite
            double u2 = rnd.uniform(2L * i + 1);
            d[i] = Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
        }
        return g;
    }
}
