package dev.amalgam.merge.subspace;

import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Independent float64 reference implementations of the subspace methods for small matrices, written straight
 * from the spec with plain EJML calls (no dev.amalgam.linalg code): orthogonalization by the Gram-matrix route
 * X·(XᵀX)^(−1/2) (the spec's "TSVM_2" variant, equal to polar(X) for full column rank), CART's and TSV's
 * truncations by full SVDs, Iso-CTS's sizes by Python's round computed with BigDecimal HALF_EVEN.
 */
final class SubspaceReference {
    private SubspaceReference() {
    }

    static DMatrixRMaj m(int rows, int cols, double[] data) {
        return new DMatrixRMaj(rows, cols, true, data);
    }

    /** {U, diag S, V} sorted descending, full thin SVD. */
    static DMatrixRMaj[] svd(DMatrixRMaj a) {
        SingularValueDecomposition_F64<DMatrixRMaj> s = DecompositionFactory_DDRM.svd(a.numRows, a.numCols, true,
                true, true);
        if (!s.decompose(a.copy())) {
            throw new AssertionError("svd failed");
        }
        DMatrixRMaj u = s.getU(null, false), w = s.getW(null), v = s.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        return new DMatrixRMaj[] {u, w, v};
    }

    static DMatrixRMaj cols(DMatrixRMaj a, int from, int to) {
        return CommonOps_DDRM.extract(a, 0, a.numRows, from, to);
    }

    /** X·(XᵀX)^(−1/2) by symmetric eigendecomposition. */
    static DMatrixRMaj gramPolar(DMatrixRMaj x) {
        DMatrixRMaj g = new DMatrixRMaj(x.numCols, x.numCols);
        CommonOps_DDRM.multTransA(x, x, g);
        EigenDecomposition_F64<DMatrixRMaj> e = DecompositionFactory_DDRM.eig(g.numRows, true, true);
        if (!e.decompose(g)) {
            throw new AssertionError("eig failed");
        }
        int n = g.numRows;
        DMatrixRMaj invSqrt = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            double lam = e.getEigenvalue(i).real;
            DMatrixRMaj v = e.getEigenVector(i);
            double nv = CommonOps_DDRM.dot(v, v);
            double s = 1.0 / Math.sqrt(lam) / nv;
            DMatrixRMaj outer = new DMatrixRMaj(n, n);
            CommonOps_DDRM.multTransB(s, v, v, outer);
            CommonOps_DDRM.addEquals(invSqrt, outer);
        }
        DMatrixRMaj out = new DMatrixRMaj(x.numRows, n);
        CommonOps_DDRM.mult(x, invSqrt, out);
        return out;
    }

    static DMatrixRMaj sum(List<DMatrixRMaj> tasks) {
        DMatrixRMaj s = new DMatrixRMaj(tasks.get(0).numRows, tasks.get(0).numCols);
        for (DMatrixRMaj t : tasks) {
            CommonOps_DDRM.addEquals(s, t);
        }
        return s;
    }

    /** Concatenated blocks → polar(U)·diag(s)·polar(V)ᵀ. */
    static DMatrixRMaj orth(List<DMatrixRMaj> us, List<double[]> ss, List<DMatrixRMaj> vs, boolean flat) {
        DMatrixRMaj u = us.get(0), v = vs.get(0);
        for (int i = 1; i < us.size(); i++) {
            u = CommonOps_DDRM.concatColumnsMulti(u, us.get(i));
            v = CommonOps_DDRM.concatColumnsMulti(v, vs.get(i));
        }
        List<Double> all = new ArrayList<>();
        ss.forEach(a -> { for (double x : a) all.add(x); });
        double mean = all.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        DMatrixRMaj d = new DMatrixRMaj(all.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            d.set(i, i, flat ? mean : all.get(i));
        }
        DMatrixRMaj pu = gramPolar(u), pv = gramPolar(v);
        DMatrixRMaj tmp = new DMatrixRMaj(pu.numRows, d.numCols);
        CommonOps_DDRM.mult(pu, d, tmp);
        DMatrixRMaj out = new DMatrixRMaj(pu.numRows, pv.numRows);
        CommonOps_DDRM.multTransB(tmp, pv, out);
        return out;
    }

    static DMatrixRMaj tsvM(List<DMatrixRMaj> tasks) {
        int r = Math.min(tasks.get(0).numRows, tasks.get(0).numCols);
        int d = r / tasks.size();
        List<DMatrixRMaj> us = new ArrayList<>(), vs = new ArrayList<>();
        List<double[]> ss = new ArrayList<>();
        for (DMatrixRMaj t : tasks) {
            DMatrixRMaj[] s = svd(t);
            us.add(cols(s[0], 0, d));
            vs.add(cols(s[2], 0, d));
            double[] sv = new double[d];
            for (int i = 0; i < d; i++) {
                sv[i] = s[1].get(i, i);
            }
            ss.add(sv);
        }
        return orth(us, ss, vs, false);
    }

    static DMatrixRMaj isoC(List<DMatrixRMaj> tasks) {
        DMatrixRMaj m = sum(tasks);
        int r = Math.min(m.numRows, m.numCols);
        DMatrixRMaj[] s = svd(m);
        double nuclear = 0;
        for (int i = 0; i < r; i++) {
            nuclear += s[1].get(i, i);
        }
        // (‖M‖_* / r)·polar(M), polar by the Gram route on the taller side.
        DMatrixRMaj p = m.numRows >= m.numCols ? gramPolar(m) : CommonOps_DDRM.transpose(
                gramPolar(CommonOps_DDRM.transpose(m, null)), null);
        CommonOps_DDRM.scale(nuclear / r, p);
        return p;
    }

    /** Python: int(r * f); round(x) half to even. */
    static int[] isoCtsSizes(int r, double f, int t) {
        int k0 = (int) (r * f);
        int s = new java.math.BigDecimal((double) (r - k0) / t).setScale(0, java.math.RoundingMode.HALF_EVEN)
                .intValueExact() * t;
        return new int[] {r - s, s / t};
    }

    static DMatrixRMaj isoCts(List<DMatrixRMaj> tasks, double f) {
        DMatrixRMaj m = sum(tasks);
        int r = Math.min(m.numRows, m.numCols);
        int[] sz = isoCtsSizes(r, f, tasks.size());
        int k = sz[0], d = sz[1];
        if (d == 0) {
            return isoC(tasks);
        }
        DMatrixRMaj[] s = svd(m);
        DMatrixRMaj uc = cols(s[0], 0, k);
        List<DMatrixRMaj> us = new ArrayList<>(), vs = new ArrayList<>();
        List<double[]> ss = new ArrayList<>();
        for (DMatrixRMaj t : tasks) {
            DMatrixRMaj proj = new DMatrixRMaj(k, t.numCols);
            CommonOps_DDRM.multTransA(uc, t, proj);
            DMatrixRMaj back = new DMatrixRMaj(t.numRows, t.numCols);
            CommonOps_DDRM.mult(uc, proj, back);
            DMatrixRMaj res = new DMatrixRMaj(t.numRows, t.numCols);
            CommonOps_DDRM.subtract(t, back, res);
            DMatrixRMaj[] rs = svd(res);
            us.add(cols(rs[0], 0, d));
            vs.add(cols(rs[2], 0, d));
            double[] sv = new double[d];
            for (int i = 0; i < d; i++) {
                sv[i] = rs[1].get(i, i);
            }
            ss.add(sv);
        }
        us.add(uc);
        vs.add(cols(s[2], 0, k));
        double[] sc = new double[k];
        for (int i = 0; i < k; i++) {
            sc[i] = s[1].get(i, i);
        }
        ss.add(sc);
        return orth(us, ss, vs, true);
    }

    /** Σ_t LR_k(τ_t − mean) with λ, plus the mean. */
    static DMatrixRMaj cart(List<DMatrixRMaj> tasks, double lambda, double rho) {
        DMatrixRMaj mean = sum(tasks);
        CommonOps_DDRM.scale(1.0 / tasks.size(), mean);
        int r = Math.min(mean.numRows, mean.numCols);
        int k = Math.max(1, (int) Math.floor(rho * r));
        DMatrixRMaj out = mean.copy();
        for (DMatrixRMaj t : tasks) {
            DMatrixRMaj c = new DMatrixRMaj(t.numRows, t.numCols);
            CommonOps_DDRM.subtract(t, mean, c);
            DMatrixRMaj[] s = svd(c);
            for (int i = 0; i < k; i++) {
                for (int a = 0; a < c.numRows; a++) {
                    for (int b = 0; b < c.numCols; b++) {
                        out.add(a, b, lambda * s[0].get(a, i) * s[1].get(i, i) * s[2].get(b, i));
                    }
                }
            }
        }
        return out;
    }
}
