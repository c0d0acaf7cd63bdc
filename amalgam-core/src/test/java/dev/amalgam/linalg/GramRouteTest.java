package dev.amalgam.linalg;

import static dev.amalgam.linalg.LinalgTestData.orthogonalityError;
import static dev.amalgam.linalg.LinalgTestData.random;
import static dev.amalgam.linalg.LinalgTestData.withSpectrum;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The Gram route against EJML's bidiagonalizing SVD, the independent reference. */
class GramRouteTest {
    static Stream<Arguments> shapes() {
        return Stream.of(Arguments.of(150, 60, 11L), Arguments.of(60, 150, 12L), Arguments.of(90, 90, 13L),
                Arguments.of(300, 129, 14L));
    }

    /** σᵢ = 0.97^i: a decaying spectrum whose top half is far above the Gram route's accuracy floor. */
    static double[] decaying(int r) {
        double[] s = new double[r];
        for (int i = 0; i < r; i++) {
            s[i] = 3.0 * Math.pow(0.97, i);
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void topKMatchesTheSvdUpToSigns(int m, int n, long seed) {
        int r = Math.min(m, n);
        DMatrix a = withSpectrum(m, n, decaying(r), seed);
        int k = r / 2;
        SvdResult ref = Svd.thin(a).truncate(k);
        SvdResult gram = GramRoute.topK(a, k);
        assertThat(gram).isNotNull();
        for (int i = 0; i < k; i++) {
            assertThat(Math.abs(gram.s()[i] - ref.s()[i])).as("σ%d", i).isLessThan(1e-12);
        }
        // Vectors agree up to a sign per pair; the rank-k reconstruction does not depend on the signs.
        assertThat(gram.reconstruct().maxAbsDiff(ref.reconstruct())).isLessThan(1e-11);
        assertThat(orthogonalityError(gram.u())).isLessThan(1e-11);
        assertThat(orthogonalityError(gram.v())).isLessThan(1e-11);
        assertThat(gram.u().rows()).isEqualTo(m);
        assertThat(gram.v().rows()).isEqualTo(n);
    }

    @Test
    void topKRefusesSingularValuesBelowItsAccuracyFloor() {
        double[] sigma = {5, 4, 3, 2e-5, 1e-5};
        DMatrix a = withSpectrum(40, 20, sigma, 5);
        assertThat(GramRoute.topK(a, 3)).isNotNull();
        assertThat(GramRoute.topK(a, 4)).as("σ₄/σ₁ = 4e-6 < 1e-4").isNull();
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void polarMatchesTheSvdPolarFactor(int m, int n, long seed) {
        DMatrix x = random(Math.max(m, n), Math.min(m, n), seed);
        SvdResult svd = Svd.thin(x);
        DMatrix ref = Products.mulTransB(svd.u(), svd.v());
        DMatrix p = GramRoute.polarOfTall(x);
        assertThat(p).isNotNull();
        assertThat(p.maxAbsDiff(ref)).isLessThan(1e-10);
        assertThat(orthogonalityError(p)).isLessThanOrEqualTo(GramRoute.ORTHONORMAL_TOLERANCE);
    }

    @Test
    void polarNeedsNewtonSchulzOnAnIllConditionedMatrixAndStillMatches() {
        double[] sigma = new double[50];
        for (int i = 0; i < 50; i++) {
            sigma[i] = Math.pow(10, -4.9 * i / 49); // κ ≈ 10⁵: the first estimate is orthonormal only to ~1e-6
        }
        DMatrix x = withSpectrum(80, 50, sigma, 21);
        SvdResult svd = Svd.thin(x);
        DMatrix p = GramRoute.polarOfTall(x);
        assertThat(p).isNotNull();
        // Below float32 rounding (6e-8), the precision the merged tensors are written in.
        assertThat(p.maxAbsDiff(Products.mulTransB(svd.u(), svd.v()))).isLessThan(1e-8);
    }

    @Test
    void polarRefusesARankDeficientMatrix() {
        DMatrix x = withSpectrum(30, 12, new double[] {3, 2, 1, 0.5}, 8); // rank 4 of 12
        assertThat(GramRoute.polarOfTall(x)).isNull();
        // Polar.of falls back to the SVD route and still returns a matrix with orthonormal columns.
        assertThat(orthogonalityError(Polar.of(x))).isLessThan(1e-10);
    }

    @Test
    void choleskyQrSpansTheSameColumnsWithOrthonormalBasis() {
        DMatrix a = random(200, 40, 3);
        DMatrix q = CholeskyQr.orthonormalBasis(a);
        assertThat(q).isNotNull();
        assertThat(orthogonalityError(q)).isLessThan(1e-12);
        // Q·Qᵀ·A = A: the projection onto span(Q) keeps A.
        DMatrix projected = Products.mul(q, Products.mulTransA(q, a));
        assertThat(projected.maxAbsDiff(a)).isLessThan(1e-12);
    }

    @Test
    void choleskyQrRefusesDependentColumnsAndQrFallsBack() {
        DMatrix a = withSpectrum(50, 10, new double[] {1, 1, 1}, 4); // rank 3 of 10
        assertThat(CholeskyQr.orthonormalBasis(a)).isNull();
        DMatrix q = Qr.orthonormalBasis(a);
        assertThat(orthogonalityError(q)).isLessThan(1e-10);
        assertThat(Products.mul(q, Products.mulTransA(q, a)).maxAbsDiff(a)).isLessThan(1e-10);
    }
}
