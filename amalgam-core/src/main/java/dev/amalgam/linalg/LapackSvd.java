package dev.amalgam.linalg;

import org.netlib.lapack.Dgesdd;
import org.netlib.util.intW;

/**
 * SVD by LAPACK's divide-and-conquer driver {@code dgesdd} in its pure-Java F2j translation
 * ({@code org.netlib.lapack.Dgesdd}, which dev.ludovic.netlib's F2jLAPACK wraps; called directly because that
 * wrapper's argument checks demand a full m×m U even for the thin {@code jobz = "S"}). Pure Java, so results do
 * not depend on an OS LAPACK. On the issue-6 benchmark it was 2–4× faster than EJML's implicit-QR SVD for a
 * 1024² matrix with U and V, the step that dominates Iso-C, Iso-CTS and TSV-M's polar factors.
 *
 * <p>LAPACK is column-major: the row-major buffer of A (m×n) is, read column-major, Aᵀ (n×m). The problem handed
 * to dgesdd is arranged to be tall (see {@link #thin}) and the factors are mapped back.
 */
final class LapackSvd {
    private LapackSvd() {
    }

    /** The thin SVD, or null when dgesdd did not converge (the caller then uses EJML). */
    static SvdResult thin(DMatrix a) {
        int m = a.rows(), n = a.cols();
        int r = Math.min(m, n);
        boolean wide = m <= n;
        // The column-major problem B is always tall (ml ≥ nl = r): for a wide A the row-major buffer of A read
        // column-major is Aᵀ (n×m); for a tall A, the buffer of Aᵀ read column-major is A itself (m×n).
        // (dev.ludovic.netlib's argument checks assume ldvt·nl ≥ nl², so nl must be the small side.)
        int ml = wide ? n : m;
        double[] b = wide ? a.data().clone() : a.transpose().data();
        double[] s = new double[r];
        double[] ub = new double[ml * r];  // ml×r, ld ml
        double[] vtb = new double[r * r];  // r×r, ld r
        int[] iwork = new int[8 * r];
        intW info = new intW(0);
        double[] query = new double[1];
        Dgesdd.dgesdd("S", ml, r, b, 0, ml, s, 0, ub, 0, ml, vtb, 0, r, query, 0, -1, iwork, 0, info);
        if (info.val != 0) {
            return null;
        }
        double[] work = new double[(int) Math.max(1, query[0])];
        Dgesdd.dgesdd("S", ml, r, b, 0, ml, s, 0, ub, 0, ml, vtb, 0, r, work, 0, work.length, iwork, 0, info);
        if (info.val != 0) {
            return null;
        }
        // B = Ub·S·Vbᵀ. Ub's column-major buffer read row-major is Ubᵀ (r×ml); Vbᵀ's buffer read row-major is Vb.
        DMatrix ubMat = new DMatrix(r, ml, ub).transpose();
        DMatrix vbMat = new DMatrix(r, r, vtb);
        // Wide: B = Aᵀ, so A = Vb·S·Ubᵀ. Tall: B = A.
        return wide ? new SvdResult(vbMat, s, ubMat) : new SvdResult(ubMat, s, vbMat);
    }

    /** Singular values only (descending), or null when dgesdd did not converge. */
    static double[] values(DMatrix a) {
        int m = a.rows(), n = a.cols();
        int r = Math.min(m, n);
        boolean wide = m <= n;
        int ml = wide ? n : m;
        double[] work0 = wide ? a.data().clone() : a.transpose().data();
        double[] s = new double[r];
        int[] iwork = new int[8 * r];
        intW info = new intW(0);
        double[] query = new double[1];
        double[] dummy = new double[1];
        Dgesdd.dgesdd("N", ml, r, work0, 0, ml, s, 0, dummy, 0, 1, dummy, 0, 1, query, 0, -1, iwork, 0, info);
        if (info.val != 0) {
            return null;
        }
        double[] work = new double[(int) Math.max(1, query[0])];
        Dgesdd.dgesdd("N", ml, r, work0, 0, ml, s, 0, dummy, 0, 1, dummy, 0, 1, work, 0, work.length, iwork, 0, info);
        return info.val == 0 ? s : null;
    }
}
