package dev.amalgam.linalg;

/**
 * Singular vectors and polar factors through the eigendecomposition of the smaller Gram matrix (AᵀA or AAᵀ),
 * instead of a bidiagonalizing SVD. On this project's 2-core benchmark machine EJML's symmetric eigensolver plus
 * the GEMMs it needs (BLAS, {@link Products}) take about a third of the time of EJML's SVD with U and V at
 * 2048² and 4096² — and the SVD is where TSV-M, Iso-C and Iso-CTS spend their time.
 *
 * <p>Squaring the matrix squares its condition number: an eigenvalue of the Gram matrix carries an absolute
 * error of about ε·λ₁ (ε = 2⁻⁵², λ₁ = σ₁²), so σᵢ and its vectors are accurate only while λᵢ stays far above
 * that. Each entry point therefore checks the spectrum it actually computed and returns {@code null} when the
 * Gram route cannot deliver float64 results accurate to well below float32 rounding; the caller then takes the
 * bidiagonalizing SVD. The TSVM_2 variant of Gargiulo et al. (spec methods.md §1.1) computes its polar factor
 * this way too, Û(ÛᵀÛ)^(−1/2).
 */
final class GramRoute {
    /**
     * A top-k SVD is taken from the Gram matrix only when λₖ ≥ this × λ₁, i.e. σₖ ≥ 10⁻⁴·σ₁. The vectors of σᵢ
     * then carry errors of at most about ε·λ₁/λᵢ ≤ 2·10⁻⁸ — below float32 rounding, the precision of every
     * output — and their contribution σᵢ·uᵢ·vᵢᵀ to a reconstruction errs by only about ε·σ₁²/σᵢ ≤ 2·10⁻¹²·σ₁.
     */
    static final double TOP_K_MIN_EIGEN_RATIO = 1e-8;

    /**
     * A polar factor is taken from the Gram matrix when λ_min ≥ this × λ_max (κ ≤ 10⁵). The first estimate is
     * then orthonormal only to about ε·κ², which Newton–Schulz steps (below) remove; what remains is the
     * eigensolver's error, measured at 5·10⁻⁹ for κ = 10⁵ (GramRouteTest) — below float32 rounding (6·10⁻⁸),
     * the precision every merged tensor is written in — and far smaller for the well-conditioned concatenations
     * of orthonormal blocks that TSV-M and Iso-CTS orthogonalize.
     */
    static final double POLAR_MIN_EIGEN_RATIO = 1e-10;

    /** Newton–Schulz stops once max |PᵀP − I| is below this; if it is not reached, the Gram route gives up. */
    static final double ORTHONORMAL_TOLERANCE = 1e-12;
    private static final int MAX_NEWTON_SCHULZ_STEPS = 6;

    private GramRoute() {
    }

    /** The top-k thin SVD of A (k ≥ 1, k ≤ min(m, n)), or null when σₖ is too small for the Gram route. */
    static SvdResult topK(DMatrix a, int k) {
        boolean tall = a.rows() >= a.cols();
        // Eigenvectors of AᵀA are the right singular vectors (of AAᵀ the left ones); the other side follows as
        // A·v/σ (or Aᵀ·u/σ).
        DMatrix gram = tall ? Products.mulTransA(a, a) : Products.mulTransB(a, a);
        SymmetricEigen.Result eig = SymmetricEigen.of(gram);
        int n = eig.values().length;
        double top = eig.values()[n - 1];
        double kth = eig.values()[n - k];
        if (!(top > 0) || kth < TOP_K_MIN_EIGEN_RATIO * top) {
            return null;
        }
        double[] s = new double[k];
        DMatrix vectors = DMatrix.zeros(n, k);
        for (int c = 0; c < k; c++) {
            int src = n - 1 - c; // descending
            s[c] = Math.sqrt(eig.values()[src]);
            for (int i = 0; i < n; i++) {
                vectors.set(i, c, eig.vectors().get(i, src));
            }
        }
        double[] inv = new double[k];
        for (int c = 0; c < k; c++) {
            inv[c] = 1.0 / s[c];
        }
        DMatrix other = (tall ? Products.mul(a, vectors) : Products.mulTransA(a, vectors)).scaleColumns(inv);
        return tall ? new SvdResult(other, s, vectors) : new SvdResult(vectors, s, other);
    }

    /**
     * polar(X) for X m×n with m ≥ n: X·V·Λ^(−1/2)·Vᵀ from XᵀX = V·Λ·Vᵀ, refined by Newton–Schulz steps
     * P ← P·(3I − PᵀP)/2 (Higham, "Functions of Matrices", 2008, §8.3), which converge quadratically once P is
     * close to orthonormal and leave its polar factor unchanged. Null when X is (nearly) rank-deficient or the
     * refinement does not reach {@link #ORTHONORMAL_TOLERANCE}.
     */
    static DMatrix polarOfTall(DMatrix x) {
        int n = x.cols();
        SymmetricEigen.Result eig = SymmetricEigen.of(Products.mulTransA(x, x));
        double[] lam = eig.values();
        double max = lam[n - 1];
        if (!(max > 0) || lam[0] < POLAR_MIN_EIGEN_RATIO * max) {
            return null;
        }
        double[] invSqrt = new double[n];
        for (int i = 0; i < n; i++) {
            invSqrt[i] = 1.0 / Math.sqrt(lam[i]);
        }
        DMatrix v = eig.vectors();
        DMatrix p = Products.mul(x, Products.mulTransB(v.copy().scaleColumns(invSqrt), v));
        for (int step = 0; step <= MAX_NEWTON_SCHULZ_STEPS; step++) {
            DMatrix g = Products.mulTransA(p, p);
            double[] gd = g.data();
            double off = maxDeviationFromIdentity(gd, n);
            if (off <= ORTHONORMAL_TOLERANCE) {
                return p;
            }
            if (step == MAX_NEWTON_SCHULZ_STEPS || !(off < 0.5)) {
                return null;
            }
            // (3I − G)/2, then P·that.
            for (int i = 0; i < gd.length; i++) {
                gd[i] = -0.5 * gd[i];
            }
            for (int i = 0; i < n; i++) {
                gd[i * n + i] += 1.5;
            }
            p = Products.mul(p, g);
        }
        return null;
    }

    /** max |G − I| over an n×n row-major G. */
    static double maxDeviationFromIdentity(double[] g, int n) {
        double off = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                off = Math.max(off, Math.abs(g[i * n + j] - (i == j ? 1.0 : 0.0)));
            }
        }
        return off;
    }
}
