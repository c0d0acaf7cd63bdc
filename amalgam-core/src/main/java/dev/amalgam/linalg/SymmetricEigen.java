package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** Eigendecomposition of a symmetric matrix in float64 (EJML): A = V·diag(λ)·Vᵀ with λ ascending. */
public final class SymmetricEigen {
    private SymmetricEigen() {
    }

    /** Eigenvalues ascending; column i of {@code vectors} is the unit eigenvector of {@code values[i]}. */
    public record Result(double[] values, DMatrix vectors) {
    }

    public static Result of(DMatrix a) {
        int n = a.rows();
        if (a.cols() != n) {
            throw new IllegalArgumentException("eigendecomposition needs a square matrix, got " + a);
        }
        Svd.requireFinite(a);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(a.toEjml().copy())) {
            throw new ArithmeticException("the eigendecomposition of " + a + " did not converge");
        }
        Integer[] order = new Integer[n];
        double[] lam = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            lam[i] = eig.getEigenvalue(i).real;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(lam[x], lam[y]));
        double[] values = new double[n];
        DMatrix vectors = DMatrix.zeros(n, n);
        for (int c = 0; c < n; c++) {
            int src = order[c];
            values[c] = lam[src];
            DMatrixRMaj v = eig.getEigenVector(src);
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += v.get(i, 0) * v.get(i, 0);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                vectors.set(i, c, v.get(i, 0) / norm);
            }
        }
        return new Result(values, vectors);
    }
}
