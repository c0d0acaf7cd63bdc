package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/** Householder QR in float64 (EJML). */
public final class Qr {
    private Qr() {
    }

    /** The thin factors A = Q·R, Q m×n with orthonormal columns and R n×n upper triangular (needs m ≥ n). */
    public record Factors(DMatrix q, DMatrix r) {
    }

    public static Factors thin(DMatrix a) {
        int m = a.rows(), n = a.cols();
        if (m < n) {
            throw new IllegalArgumentException("thin QR needs rows ≥ columns, got " + a);
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(a.toEjml().copy())) {
            throw new ArithmeticException("the QR decomposition of " + a + " failed");
        }
        return new Factors(DMatrix.wrap(qr.getQ(null, true)), DMatrix.wrap(qr.getR(null, true)));
    }

    /**
     * n orthonormal columns spanning the column space of A (m×n, m ≥ n). By {@link CholeskyQr} (matrix products
     * only) when A is conditioned well enough for it, else the Q of EJML's Householder QR; that gives up on
     * exactly dependent or zero columns, and the left singular vectors are then used instead (they span the same
     * space, completed by arbitrary orthonormal directions).
     */
    public static DMatrix orthonormalBasis(DMatrix a) {
        if (a.rows() < a.cols()) {
            throw new IllegalArgumentException("an orthonormal basis of the columns needs rows ≥ columns, got " + a);
        }
        if (a.cols() > 0) {
            DMatrix q = CholeskyQr.orthonormalBasis(a);
            if (q != null) {
                return q;
            }
        }
        Factors f = tryThin(a);
        return f != null ? f.q() : Svd.thin(a).u();
    }

    /** The thin QR, or null when EJML's Householder QR rejects the matrix (exactly dependent columns). */
    static Factors tryThin(DMatrix a) {
        int m = a.rows(), n = a.cols();
        if (m < n) {
            throw new IllegalArgumentException("thin QR needs rows ≥ columns, got " + a);
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(a.toEjml().copy())) {
            return null;
        }
        DMatrix q = DMatrix.wrap(qr.getQ(null, true));
        for (double v : q.data()) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return new Factors(q, DMatrix.wrap(qr.getR(null, true)));
    }
}
