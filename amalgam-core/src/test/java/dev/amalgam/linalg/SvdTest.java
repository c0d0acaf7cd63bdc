package dev.amalgam.linalg;

import static dev.amalgam.linalg.LinalgTestData.orthogonalityError;
import static dev.amalgam.linalg.LinalgTestData.random;
import static dev.amalgam.linalg.LinalgTestData.withSpectrum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SvdTest {
    @Test
    void thinSvdReconstructsTallAndWideMatrices() {
        for (int[] shape : new int[][] {{40, 17}, {17, 40}, {23, 23}}) {
            DMatrix a = random(shape[0], shape[1], shape[0] * 31L + shape[1]);
            SvdResult svd = Svd.thin(a);
            int r = Math.min(shape[0], shape[1]);
            assertThat(svd.rank()).isEqualTo(r);
            assertThat(svd.u().rows()).isEqualTo(shape[0]);
            assertThat(svd.v().rows()).isEqualTo(shape[1]);
            assertThat(svd.reconstruct().maxAbsDiff(a)).isLessThan(1e-12);
            assertThat(orthogonalityError(svd.u())).isLessThan(1e-12);
            assertThat(orthogonalityError(svd.v())).isLessThan(1e-12);
            for (int i = 1; i < r; i++) {
                assertThat(svd.s()[i]).isLessThanOrEqualTo(svd.s()[i - 1]);
            }
        }
    }

    @Test
    void knownSpectrumIsRecovered() {
        double[] sigma = {9, 5, 2, 0.5, 0.1};
        SvdResult svd = Svd.thin(withSpectrum(12, 8, sigma, 7));
        for (int i = 0; i < 5; i++) {
            assertThat(svd.s()[i]).isCloseTo(sigma[i], within(1e-12));
        }
        for (int i = 5; i < 8; i++) {
            assertThat(svd.s()[i]).isCloseTo(0.0, within(1e-12));
        }
        assertThat(svd.numericalRank()).isEqualTo(5);
        assertThat(Svd.values(withSpectrum(12, 8, sigma, 7))).hasSize(8);
        assertThat(Svd.values(withSpectrum(12, 8, sigma, 7))[0]).isCloseTo(9.0, within(1e-12));
    }

    @Test
    void hand2x2() {
        // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]], eigenvalues 45 and 5.
        double[] s = Svd.values(DMatrix.of(new double[][] {{3, 0}, {4, 5}}));
        assertThat(s[0]).isCloseTo(Math.sqrt(45), within(1e-13));
        assertThat(s[1]).isCloseTo(Math.sqrt(5), within(1e-13));
    }

    @Test
    void polarFactorIsOrthogonalAndSignConventionFree() {
        DMatrix x = random(30, 9, 11);
        DMatrix p = Polar.of(x);
        assertThat(orthogonalityError(p)).isLessThan(1e-12);
        // Independent formula: polar(X) = U·Vᵀ; flipping the sign of pairs (uᵢ, vᵢ) must not change it.
        SvdResult svd = Svd.thin(x);
        DMatrix u = svd.u().copy(), v = svd.v().copy();
        double[] flips = new double[9];
        for (int i = 0; i < 9; i++) {
            flips[i] = i % 2 == 0 ? -1 : 1;
        }
        u.scaleColumns(flips);
        v.scaleColumns(flips);
        assertThat(Products.mulTransB(u, v).maxAbsDiff(p)).isLessThan(1e-12);
        // Wide input: polar(X) has orthonormal rows and equals polar(Xᵀ)ᵀ.
        DMatrix wide = random(6, 20, 12);
        DMatrix pw = Polar.of(wide);
        assertThat(orthogonalityError(pw.transpose())).isLessThan(1e-12);
        assertThat(pw.maxAbsDiff(Polar.of(wide.transpose()).transpose())).isLessThan(1e-12);
        // polar(X) maximizes tr(PᵀX) = ‖X‖_* over orthonormal P.
        double trace = 0;
        DMatrix ptx = Products.mulTransA(p, x);
        for (int i = 0; i < 9; i++) {
            trace += ptx.get(i, i);
        }
        double nuclear = 0;
        for (double s : svd.s()) {
            nuclear += s;
        }
        assertThat(trace).isCloseTo(nuclear, within(1e-10));
    }

    @Test
    void nonFiniteInputIsRejected() {
        DMatrix a = random(3, 3, 1);
        a.set(1, 1, Double.NaN);
        assertThatThrownBy(() -> Svd.thin(a)).isInstanceOf(ArithmeticException.class).hasMessageContaining("NaN");
    }

    @Test
    void qrGivesOrthonormalBasisAndUpperTriangle() {
        DMatrix a = random(25, 7, 5);
        Qr.Factors f = Qr.thin(a);
        assertThat(orthogonalityError(f.q())).isLessThan(1e-13);
        assertThat(Products.mul(f.q(), f.r()).maxAbsDiff(a)).isLessThan(1e-13);
        for (int i = 1; i < 7; i++) {
            for (int j = 0; j < i; j++) {
                assertThat(f.r().get(i, j)).isEqualTo(0.0);
            }
        }
    }

    @Test
    void rankDeficientInputsGiveOrthonormalFactors() {
        // Two equal columns: Householder QR gives up, the SVD fallbacks must still return orthonormal columns.
        DMatrix x = DMatrix.of(new double[][] {{1, 1}, {2, 2}, {0, 0}, {1, 1}, {3, 3}});
        assertThat(orthogonalityError(Polar.of(x))).isLessThan(1e-12);
        assertThat(orthogonalityError(Qr.orthonormalBasis(x))).isLessThan(1e-12);
        SvdResult z = RandomizedSvd.compute(DMatrix.zeros(60, 50), 3,
                TruncatedSvdOptions.defaults(1).withMode(TruncatedSvdOptions.Mode.RANDOMIZED));
        assertThat(z.s()).containsExactly(0, 0, 0);
        assertThat(z.reconstruct().frobeniusNorm()).isZero();
    }
}
