package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Exact singular value decompositions in float64 (spec methods.md §0.3: "fp64 for SVD"). Matrices with
 * min(m, n) ≥ {@value #LAPACK_MIN} go to LAPACK's dgesdd ({@link LapackSvd}, 2–4× faster on the benchmark),
 * smaller ones to EJML's bidiagonalization + implicit-QR SVD (no workspace overhead); if dgesdd does not
 * converge EJML is used. The system property {@value #BACKEND_PROPERTY}{@code =ejml|lapack} forces one backend.
 * The input is never modified.
 */
public final class Svd {
    /** Smallest min(m, n) sent to LAPACK by default. */
    public static final int LAPACK_MIN = 64;
    public static final String BACKEND_PROPERTY = "amalgam.svd.backend";

    private Svd() {
    }

    private static boolean useLapack(int r) {
        String b = System.getProperty(BACKEND_PROPERTY, "");
        if (b.equals("ejml")) {
            return false;
        }
        return b.equals("lapack") || r >= LAPACK_MIN;
    }

    /** The thin SVD A = U·diag(s)·Vᵀ, U m×r, V n×r, r = min(m, n), s descending. */
    public static SvdResult thin(DMatrix a) {
        requireFinite(a);
        int m = a.rows(), n = a.cols();
        int r = Math.min(m, n);
        if (r == 0) {
            return new SvdResult(DMatrix.zeros(m, 0), new double[0], DMatrix.zeros(n, 0));
        }
        if (useLapack(r)) {
            SvdResult l = LapackSvd.thin(a);
            if (l != null) {
                return l;
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(a.toEjml().copy())) {
            throw new ArithmeticException("the SVD of a " + m + "x" + n + " matrix did not converge");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        double[] s = java.util.Arrays.copyOf(svd.getSingularValues(), r);
        SingularOps_DDRM.descendingOrder(u, false, s, r, v, false);
        return new SvdResult(DMatrix.wrap(u), s, DMatrix.wrap(v));
    }

    /** The singular values only, descending (much cheaper than {@link #thin}: no U or V is accumulated). */
    public static double[] values(DMatrix a) {
        requireFinite(a);
        int m = a.rows(), n = a.cols();
        if (Math.min(m, n) == 0) {
            return new double[0];
        }
        if (useLapack(Math.min(m, n))) {
            double[] l = LapackSvd.values(a);
            if (l != null) {
                return l;
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, false, false, true);
        if (!svd.decompose(a.toEjml().copy())) {
            throw new ArithmeticException("the SVD of a " + m + "x" + n + " matrix did not converge");
        }
        double[] s = java.util.Arrays.copyOf(svd.getSingularValues(), Math.min(m, n));
        java.util.Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /**
     * The top-{@code k} SVD: exact ({@link #thin} then truncated) or randomized ({@link RandomizedSvd}) as
     * {@code options} and the {@value TruncatedSvdOptions#FORCE_EXACT_PROPERTY} system property decide.
     */
    public static SvdResult truncated(DMatrix a, int k, TruncatedSvdOptions options) {
        int r = Math.min(a.rows(), a.cols());
        int kk = Math.max(0, Math.min(k, r));
        if (options.useRandomized(kk, r)) {
            return RandomizedSvd.compute(a, kk, options);
        }
        return thin(a).truncate(kk);
    }

    static void requireFinite(DMatrix a) {
        for (double v : a.data()) {
            if (!Double.isFinite(v)) {
                throw new ArithmeticException("cannot decompose a " + a.rows() + "x" + a.cols()
                        + " matrix that contains NaN or infinity");
            }
        }
    }
}
