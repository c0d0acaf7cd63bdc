package dev.amalgam.linalg;

/**
 * A thin (or truncated) singular value decomposition A ≈ U·diag(s)·Vᵀ with singular values in descending order.
 * U is m×k and V is n×k with orthonormal columns; k = min(m, n) for a thin SVD, the requested rank for a
 * truncated one. The sign of each pair (uᵢ, vᵢ) is whatever the algorithm produced: callers must not depend on
 * it (the subspace methods are invariant under flipping a pair, spec §1.1 "sign invariance").
 */
public record SvdResult(DMatrix u, double[] s, DMatrix v) {
    public SvdResult {
        if (u.cols() != s.length || v.cols() != s.length) {
            throw new IllegalArgumentException("U is " + u + ", V is " + v + " but there are " + s.length
                    + " singular values");
        }
    }

    public int rank() {
        return s.length;
    }

    /** U·diag(s)·Vᵀ. */
    public DMatrix reconstruct() {
        return Products.mulTransB(u.copy().scaleColumns(s), v);
    }

    /** The first {@code k} triplets. */
    public SvdResult truncate(int k) {
        if (k >= s.length) {
            return this;
        }
        return new SvdResult(u.leftColumns(k), java.util.Arrays.copyOf(s, k), v.leftColumns(k));
    }

    /** The numerical rank: the number of σᵢ > max(m, n)·ε·σ_max (the LAPACK/NumPy {@code matrix_rank} rule). */
    public int numericalRank() {
        if (s.length == 0 || s[0] == 0.0) {
            return 0;
        }
        double tol = Math.max(u.rows(), v.rows()) * Math.ulp(1.0) * s[0];
        int r = 0;
        while (r < s.length && s[r] > tol) {
            r++;
        }
        return r;
    }
}
