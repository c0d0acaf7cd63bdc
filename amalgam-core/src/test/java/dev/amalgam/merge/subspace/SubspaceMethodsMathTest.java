package dev.amalgam.merge.subspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.methods.CartMerge;
import dev.amalgam.merge.methods.IsoCMerge;
import dev.amalgam.merge.methods.IsoCtsMerge;
import dev.amalgam.merge.methods.TsvMerge;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/** The method kernels against hand-computed values and against {@link SubspaceReference} on small matrices. */
class SubspaceMethodsMathTest {
    private static final IntFunction<TruncatedSvdOptions> EXACT = t -> TruncatedSvdOptions.exact();

    static List<DMatrix> tasks(int count, int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<DMatrix> out = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            DMatrix a = DMatrix.zeros(m, n);
            for (int i = 0; i < a.data().length; i++) {
                a.data()[i] = r.nextGaussian() * 0.1;
            }
            out.add(a);
        }
        return out;
    }

    static List<DMatrixRMaj> ejml(List<DMatrix> ts) {
        return ts.stream().map(t -> SubspaceReference.m(t.rows(), t.cols(), t.data().clone())).toList();
    }

    static double maxDiff(DMatrix a, DMatrixRMaj b) {
        return a.maxAbsDiff(new DMatrix(b.numRows, b.numCols, b.data));
    }

    // ---- hand-computed cases ----

    @Test
    void tsvOnDisjointDiagonalTasksKeepsEachTopDirection() {
        // τ₁ = diag(3, 0.5), τ₂ = diag(0.25, 2): r = 2, T = 2, d = 1. Top-1 of τ₁ is (e₁, 3, e₁), of τ₂ (e₂, 2, e₂);
        // Û = V̂ = I, so τ_M = diag(3, 2).
        DMatrix t1 = DMatrix.of(new double[][] {{3, 0}, {0, 0.5}});
        DMatrix t2 = DMatrix.of(new double[][] {{0.25, 0}, {0, 2}});
        DMatrix m = TsvMerge.merge(List.of(t1, t2), EXACT);
        assertThat(m.maxAbsDiff(DMatrix.of(new double[][] {{3, 0}, {0, 2}}))).isLessThan(1e-14);
    }

    @Test
    void isoCOnHandMatrix() {
        // M = τ₁ + τ₂ = diag(3, 1): σ̄ = 2, U·Vᵀ = I, τ_Iso = 2·I.
        DMatrix t1 = DMatrix.of(new double[][] {{1, 0}, {0, 1}});
        DMatrix t2 = DMatrix.of(new double[][] {{2, 0}, {0, 0}});
        DMatrix sum = t1.copy().addScaled(1, t2);
        assertThat(IsoCMerge.merge(sum, false).maxAbsDiff(DMatrix.of(new double[][] {{2, 0}, {0, 2}})))
                .isLessThan(1e-14);
        // A rotation keeps σ̄: M = [[0, 3], [1, 0]] has σ = {3, 1} and polar(M) = [[0, 1], [1, 0]].
        DMatrix rot = DMatrix.of(new double[][] {{0, 3}, {1, 0}});
        assertThat(IsoCMerge.merge(rot, false).maxAbsDiff(DMatrix.of(new double[][] {{0, 2}, {2, 0}})))
                .isLessThan(1e-14);
    }

    @Test
    void isoCtsSizesUsePythonRounding() {
        assertThat(IsoCtsMerge.sizes(64, 0.8, 3)).isEqualTo(new IsoCtsMerge.Sizes(52, 4)); // 13/3 → 4
        assertThat(IsoCtsMerge.sizes(10, 0.8, 4)).isEqualTo(new IsoCtsMerge.Sizes(10, 0)); // 0.5 → 0 (half-up: 1)
        assertThat(IsoCtsMerge.sizes(14, 0.8, 2)).isEqualTo(new IsoCtsMerge.Sizes(10, 2)); // 1.5 → 2
        assertThat(IsoCtsMerge.sizes(5, 0.5, 2)).isEqualTo(new IsoCtsMerge.Sizes(1, 2)); // 1.5 → 2
        assertThat(IsoCtsMerge.sizes(22, 0.8, 1)).isEqualTo(new IsoCtsMerge.Sizes(17, 5));
        assertThat(IsoCtsMerge.sizes(2, 0.2, 3)).isEqualTo(new IsoCtsMerge.Sizes(2, 0)); // capped: s = 3 > r
        for (int r = 1; r <= 80; r++) {
            for (int t = 1; t <= 9; t++) {
                for (double f : new double[] {0.5, 0.8, 0.9, 0.95}) {
                    int[] ref = SubspaceReference.isoCtsSizes(r, f, t);
                    IsoCtsMerge.Sizes s = IsoCtsMerge.sizes(r, f, t);
                    assertThat(new int[] {s.common(), s.perTask()}).as("r=%d T=%d f=%s", r, t, f).containsExactly(ref);
                    assertThat(s.common() + t * s.perTask()).isEqualTo(r);
                }
            }
        }
    }

    @Test
    void cartRankIsFloorWithMinimumOne() {
        assertThat(CartMerge.rank(64, 0.12)).isEqualTo(7);
        assertThat(CartMerge.rank(5, 0.12)).isEqualTo(1);
        assertThat(CartMerge.rank(32, 1.0)).isEqualTo(32);
    }

    // ---- against the independent reference on 6x5 and 5x6 matrices ----

    @Test
    void tsvMatchesReference() {
        for (int[] shape : new int[][] {{6, 5}, {5, 6}, {8, 8}}) {
            for (int count : new int[] {1, 2, 3}) {
                List<DMatrix> ts = tasks(count, shape[0], shape[1], 100 + count);
                double diff = maxDiff(TsvMerge.merge(ts, EXACT), SubspaceReference.tsvM(ejml(ts)));
                assertThat(diff).as("%dx%d T=%d", shape[0], shape[1], count).isLessThan(1e-12);
            }
        }
    }

    /**
     * Above {@code Svd.GRAM_ROUTE_MIN_RANK} the exact top-k step and the polar factors take the Gram route
     * (eigendecomposition of AᵀA); they must still agree with the SVD-based reference well below float32 rounding.
     */
    @Test
    void gramRouteSizesMatchReference() {
        List<DMatrix> ts = tasks(3, 160, 140, 77);
        assertThat(maxDiff(TsvMerge.merge(ts, EXACT), SubspaceReference.tsvM(ejml(ts)))).as("tsv_m").isLessThan(1e-9);
        assertThat(maxDiff(IsoCtsMerge.merge(ts, 0.8, EXACT), SubspaceReference.isoCts(ejml(ts), 0.8)))
                .as("iso_cts").isLessThan(1e-9);
        DMatrix sum = DMatrix.zeros(160, 140);
        ts.forEach(t -> sum.addScaled(1, t));
        assertThat(maxDiff(IsoCMerge.merge(sum, false), SubspaceReference.isoC(ejml(ts)))).as("iso_c").isLessThan(1e-9);
    }

    @Test
    void isoCMatchesReference() {
        for (int[] shape : new int[][] {{6, 5}, {5, 6}}) {
            List<DMatrix> ts = tasks(3, shape[0], shape[1], 7);
            DMatrix sum = DMatrix.zeros(shape[0], shape[1]);
            ts.forEach(t -> sum.addScaled(1, t));
            assertThat(maxDiff(IsoCMerge.merge(sum, false), SubspaceReference.isoC(ejml(ts)))).isLessThan(1e-12);
        }
    }

    @Test
    void isoCtsMatchesReference() {
        // r = 5, T = 2: f = 0.5 gives k = 1, d = 2; f = 0.8 gives k0 = 4, round(0.5) = 0 → Iso-C.
        for (double f : new double[] {0.5, 0.8, 0.2}) {
            for (int[] shape : new int[][] {{6, 5}, {5, 6}}) {
                List<DMatrix> ts = tasks(2, shape[0], shape[1], 11);
                double diff = maxDiff(IsoCtsMerge.merge(ts, f, EXACT), SubspaceReference.isoCts(ejml(ts), f));
                assertThat(diff).as("f=%s %dx%d", f, shape[0], shape[1]).isLessThan(1e-11);
            }
        }
    }

    @Test
    void cartMatchesReference() {
        List<DMatrix> ts = tasks(3, 6, 5, 13);
        DMatrix mean = DMatrix.zeros(6, 5);
        ts.forEach(t -> mean.addScaled(1.0 / 3, t));
        for (double rho : new double[] {0.2, 0.4, 0.6}) {
            DMatrix ours = mean.copy().addScaled(1.7, CartMerge.lowRankCentered(ts, mean, rho, EXACT));
            assertThat(maxDiff(ours, SubspaceReference.cart(ejml(ts), 1.7, rho))).isLessThan(1e-12);
        }
    }

    // ---- invariants (spec "Done when") ----

    @Test
    void tsvOfOneTaskIsTheTask() {
        DMatrix t = tasks(1, 7, 4, 3).get(0);
        assertThat(TsvMerge.merge(List.of(t), EXACT).maxAbsDiff(t)).isLessThan(1e-13);
    }

    @Test
    void isoCtsReducesToIsoCWhenNoTaskSpecificSpace() {
        List<DMatrix> ts = tasks(3, 9, 7, 17);
        DMatrix sum = DMatrix.zeros(9, 7);
        ts.forEach(t -> sum.addScaled(1, t));
        assertThat(IsoCtsMerge.sizes(7, 1.0, 3).perTask()).isZero();
        assertThat(IsoCtsMerge.merge(ts, 1.0, EXACT).maxAbsDiff(IsoCMerge.merge(sum, false))).isLessThan(1e-14);
    }

    @Test
    void cartWithFullRankIsTheAverage() {
        List<DMatrix> ts = tasks(3, 6, 5, 19);
        DMatrix mean = DMatrix.zeros(6, 5);
        ts.forEach(t -> mean.addScaled(1.0 / 3, t));
        assertThat(CartMerge.lowRankCentered(ts, mean, 1.0, EXACT).frobeniusNorm()).isLessThan(1e-13);
    }

    @Test
    void isoCSpectrumIsFlatWithTheSumsNuclearNorm() {
        List<DMatrix> ts = tasks(4, 12, 9, 23);
        DMatrix sum = DMatrix.zeros(12, 9);
        ts.forEach(t -> sum.addScaled(1, t));
        double[] s = Svd.values(IsoCMerge.merge(sum, false));
        double nuclear = java.util.Arrays.stream(Svd.values(sum)).sum();
        for (double v : s) {
            assertThat(v).isCloseTo(nuclear / 9, within(1e-12));
        }
    }

    @Test
    void isoCtsSpectrumIsFlatToo() {
        List<DMatrix> ts = tasks(3, 20, 16, 29);
        double[] s = Svd.values(IsoCtsMerge.merge(ts, 0.5, EXACT));
        for (double v : s) {
            assertThat(v).isCloseTo(s[0], within(1e-10));
        }
    }

    @Test
    void signFlipsChangeNothing() {
        List<DMatrix> ts = tasks(3, 10, 8, 31);
        SplittableRandom rnd = new SplittableRandom(5);
        // TSV-M from per-task factors, then with random sign flips of (uᵢ, vᵢ) pairs.
        List<SvdResult> top = new ArrayList<>(), flipped = new ArrayList<>();
        for (DMatrix t : ts) {
            SvdResult s = Svd.thin(t).truncate(2);
            top.add(s);
            flipped.add(flip(s, rnd));
        }
        assertThat(TsvMerge.fromFactors(flipped).maxAbsDiff(TsvMerge.fromFactors(top))).isLessThan(1e-13);
        // Iso-C.
        DMatrix sum = DMatrix.zeros(10, 8);
        ts.forEach(t -> sum.addScaled(1, t));
        SvdResult full = Svd.thin(sum);
        assertThat(IsoCMerge.fromSvd(flip(full, rnd), false).maxAbsDiff(IsoCMerge.fromSvd(full, false)))
                .isLessThan(1e-13);
        // Iso-CTS: common and task-specific blocks flipped independently.
        IsoCtsMerge.Sizes sz = IsoCtsMerge.sizes(8, 0.5, 3);
        SvdResult common = full.truncate(sz.common());
        List<SvdResult> spec = new ArrayList<>(), specFlipped = new ArrayList<>();
        for (DMatrix t : ts) {
            DMatrix res = t.minus(Products.mul(common.u(), Products.mulTransA(common.u(), t)));
            SvdResult s = Svd.thin(res).truncate(sz.perTask());
            spec.add(s);
            specFlipped.add(flip(s, rnd));
        }
        DMatrix a = IsoCtsMerge.fromFactors(common, spec);
        DMatrix b = IsoCtsMerge.fromFactors(flip(common, rnd), specFlipped);
        assertThat(b.maxAbsDiff(a)).isLessThan(1e-13);
        assertThat(a.maxAbsDiff(IsoCtsMerge.merge(ts, 0.5, EXACT))).isLessThan(1e-13);
    }

    static SvdResult flip(SvdResult s, SplittableRandom rnd) {
        double[] d = new double[s.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextBoolean() ? -1 : 1;
        }
        d[0] = -1; // at least one flip
        return new SvdResult(s.u().copy().scaleColumns(d), s.s().clone(), s.v().copy().scaleColumns(d));
    }

    @Test
    void rankDeficientInputsStayFinite() {
        // Two identical rank-1 tasks: Û has repeated columns (rank-deficient), M has rank 1.
        DMatrix u = DMatrix.of(new double[][] {{1}, {2}, {0}, {1}});
        DMatrix v = DMatrix.of(new double[][] {{0, 1, 1}});
        DMatrix t = Products.mul(u, v);
        List<DMatrix> ts = List.of(t, t.copy());
        for (DMatrix out : List.of(TsvMerge.merge(ts, EXACT), IsoCtsMerge.merge(ts, 0.5, EXACT),
                IsoCMerge.merge(t.copy().scale(2), false))) {
            for (double x : out.data()) {
                assertThat(Double.isFinite(x)).isTrue();
            }
        }
        // Iso-C on a rank-1 sum, numerical-rank-only: σ̄ = ‖M‖_* over rank 1, so the result is M itself.
        DMatrix m = t.copy().scale(2);
        assertThat(IsoCMerge.merge(m, true).maxAbsDiff(m)).isLessThan(1e-13);
        // All-zero task vectors (fine-tunes equal to the base) give a zero update.
        DMatrix z = DMatrix.zeros(4, 3);
        assertThat(IsoCMerge.merge(z, false).frobeniusNorm()).isZero();
        assertThat(TsvMerge.merge(List.of(z, z.copy()), EXACT).frobeniusNorm()).isZero();
    }

    @Test
    void randomizedTopStepIsCloseToExactOnDecayingSpectra() {
        // 3 tasks of 240x200 with decaying spectra; d = 66, l = 76 ≤ 200/... RANDOMIZED mode forced.
        List<DMatrix> ts = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 3; t++) {
            DMatrix a = DMatrix.zeros(240, 200);
            for (int i = 0; i < a.data().length; i++) {
                a.data()[i] = r.nextGaussian();
            }
            SvdResult s = Svd.thin(a);
            double[] sig = new double[200];
            for (int i = 0; i < 200; i++) {
                sig[i] = Math.pow(0.9, i);
            }
            ts.add(new SvdResult(s.u(), sig, s.v()).reconstruct());
        }
        DMatrix exact = TsvMerge.merge(ts, EXACT);
        DMatrix rnd = TsvMerge.merge(ts, t -> new TruncatedSvdOptions(TruncatedSvdOptions.Mode.RANDOMIZED, 10, 2,
                t));
        double rel = rnd.minus(exact).frobeniusNorm() / exact.frobeniusNorm();
        assertThat(rel).isLessThan(1e-3);
    }
}
