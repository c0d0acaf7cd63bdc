package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * An orthonormal basis of a tall matrix's column space by CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa and
 * Yamamoto, "CholeskyQR2: a simple and communication-avoiding algorithm for computing a tall-skinny QR
 * factorization", ScalA 2014): twice, G = AᵀA = L·Lᵀ and A ← A·L⁻ᵀ. Everything but an n×n Cholesky and
 * triangular inverse is a matrix product, which runs at BLAS speed, where Householder QR is memory-bound
 * vector work: it is what the randomized SVD's range finder spends its time on. The second pass brings the
 * orthogonality of the first (about ε·κ(A)²) down to about ε, provided κ(A) ≲ ε^(−1/2) ≈ 10⁸; beyond that the
 * Cholesky fails or the result is not orthonormal, and the caller falls back to Householder.
 */
final class CholeskyQr {
    /** The basis is accepted only when max |QᵀQ − I| stays below this. */
    private static final double ORTHONORMAL_TOLERANCE = 1e-10;

    private CholeskyQr() {
    }

    /** Q with orthonormal columns spanning A's (m ≥ n), or null when A is too ill-conditioned for this route. */
    static DMatrix orthonormalBasis(DMatrix a) {
        DMatrix q = a;
        for (int pass = 0; pass < 2; pass++) {
            q = onePass(q);
            if (q == null) {
                return null;
            }
        }
        return maxOrthonormalityError(q) <= ORTHONORMAL_TOLERANCE ? q : null;
    }

    private static DMatrix onePass(DMatrix a) {
        int n = a.cols();
        DMatrix gram = Products.mulTransA(a, a);
        CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
        if (!chol.decompose(gram.toEjml())) {
            return null;
        }
        DMatrixRMaj lower = chol.getT(null);
        double[] l = lower.data;
        for (int i = 0; i < n; i++) {
            if (!(l[i * n + i] > 0) || !Double.isFinite(l[i * n + i])) {
                return null;
            }
        }
        TriangularSolver_DDRM.invertLower(l, n);
        for (double v : l) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        // invertLower works on the lower triangle only; clear what the factorization left above it.
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                l[i * n + j] = 0;
            }
        }
        return Products.mulTransB(a, DMatrix.wrap(lower)); // A·L⁻ᵀ
    }

    static double maxOrthonormalityError(DMatrix q) {
        return GramRoute.maxDeviationFromIdentity(Products.mulTransA(q, q).data(), q.cols());
    }
}
