package dev.amalgam.linalg;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Exact singular value decompositions in float64 (spec methods.md §0.3: "fp64 for SVD"), by EJML's
 * bidiagonalization + implicit-QR SVD. On the issue-6 benchmark it was the fastest pure-Java SVD with U and V at
 * 2048² (EJML 32 s, ojAlgo 49 s, LAPACK dgesdd in its F2j translation 56 s). The input is never modified.
 */
public final class Svd {
    private Svd() {
    }

    /** The thin SVD A = U·diag(s)·Vᵀ, U m×r, V n×r, r = min(m, n), s descending. */
    public static SvdResult thin(DMatrix a) {
        requireFinite(a);
        int m = a.rows(), n = a.cols();
        int r = Math.min(m, n);
        if (r == 0) {
            return new SvdResult(DMatrix.zeros(m, 0), new double[0], DMatrix.zeros(n, 0));
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

    /** Below this min(m, n) the exact top-k SVD always takes EJML's SVD: cheap, and no accuracy check needed. */
    static final int GRAM_ROUTE_MIN_RANK = 128;

    /**
     * The top-{@code k} SVD: exact or randomized ({@link RandomizedSvd}) as {@code options} and the
     * {@value TruncatedSvdOptions#FORCE_EXACT_PROPERTY} system property decide. The exact one is deterministic
     * float64: from the Gram matrix's eigendecomposition ({@link GramRoute#topK}) when σₖ is large enough for that
     * to be accurate below float32 rounding, else {@link #thin} truncated.
     */
    public static SvdResult truncated(DMatrix a, int k, TruncatedSvdOptions options) {
        int r = Math.min(a.rows(), a.cols());
        int kk = Math.max(0, Math.min(k, r));
        if (options.useRandomized(kk, r)) {
            return RandomizedSvd.compute(a, kk, options);
        }
        if (kk > 0 && r >= GRAM_ROUTE_MIN_RANK) {
            requireFinite(a);
            SvdResult viaGram = GramRoute.topK(a, kk);
            if (viaGram != null) {
                return viaGram;
            }
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
