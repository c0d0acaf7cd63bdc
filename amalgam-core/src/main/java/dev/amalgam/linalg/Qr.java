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

    /** An orthonormal basis of the column space of A (m×n, m ≥ n): the Q of the thin QR. */
    public static DMatrix orthonormalBasis(DMatrix a) {
        return thin(a).q();
    }
}
