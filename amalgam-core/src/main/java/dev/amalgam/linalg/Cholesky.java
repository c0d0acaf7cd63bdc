package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Solves A·X = B for symmetric positive (semi-)definite A by Cholesky in float64 (spec §0.3, §0.7 "Cholesky solve
 * with jitter"). When A is not numerically positive definite (a Gram matrix of too few rows, RegMean §3.2) the
 * solve retries with A + δ·I, δ growing tenfold from 1e-10·mean(diag A), and reports the δ that worked.
 */
public final class Cholesky {
    /** Relative jitters tried in turn after the plain factorization fails. */
    private static final double FIRST_JITTER = 1e-10;
    private static final double LAST_JITTER = 1e-1;

    private Cholesky() {
    }

    /** The solution and the absolute jitter δ added to the diagonal (0 when none was needed). */
    public record Solution(DMatrix x, double jitter) {
    }

    public static Solution solve(DMatrix a, DMatrix b) {
        int n = a.rows();
        if (a.cols() != n || b.rows() != n) {
            throw new IllegalArgumentException("Cholesky solve needs a square A and B with as many rows: " + a
                    + ", " + b);
        }
        Svd.requireFinite(a);
        Svd.requireFinite(b);
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            meanDiag += Math.abs(a.get(i, i));
        }
        meanDiag = n == 0 ? 1.0 : meanDiag / n;
        if (meanDiag == 0.0) {
            meanDiag = 1.0;
        }
        DMatrix x = trySolve(a, b, 0.0);
        if (x != null) {
            return new Solution(x, 0.0);
        }
        for (double rel = FIRST_JITTER; rel <= LAST_JITTER * 1.0001; rel *= 10) {
            double delta = rel * meanDiag;
            x = trySolve(a, b, delta);
            if (x != null) {
                return new Solution(x, delta);
            }
        }
        throw new ArithmeticException("the " + n + "x" + n + " matrix is not positive definite even with "
                + LAST_JITTER + "·mean(diag) added to its diagonal");
    }

    private static DMatrix trySolve(DMatrix a, DMatrix b, double delta) {
        int n = a.rows();
        DMatrixRMaj aj = a.toEjml().copy();
        for (int i = 0; i < n; i++) {
            aj.add(i, i, delta);
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.chol(n);
        if (!solver.setA(aj)) {
            return null;
        }
        DMatrixRMaj x = new DMatrixRMaj(n, b.cols());
        solver.solve(b.toEjml().copy(), x);
        DMatrix out = DMatrix.wrap(x);
        for (double v : out.data()) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return out;
    }
}
