package dev.amalgam.linalg;

import static dev.amalgam.linalg.LinalgTestData.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CholeskyEigenTest {
    @Test
    void solvesPositiveDefiniteSystemWithoutJitter() {
        DMatrix g = random(30, 8, 4);
        DMatrix a = Products.mulTransA(g, g); // 8x8 Gram, full rank
        DMatrix b = random(8, 3, 5);
        Cholesky.Solution s = Cholesky.solve(a, b);
        assertThat(s.jitter()).isZero();
        assertThat(Products.mul(a, s.x()).maxAbsDiff(b)).isLessThan(1e-10);
    }

    @Test
    void singularGramFallsBackToJitter() {
        DMatrix g = random(3, 8, 6);
        DMatrix a = Products.mulTransA(g, g); // rank 3 of 8: not positive definite
        DMatrix b = Products.mulTransA(g, random(3, 2, 7)); // in the range of A
        Cholesky.Solution s = Cholesky.solve(a, b);
        assertThat(s.jitter()).isPositive();
        DMatrix reg = a.copy().addScaled(s.jitter(), DMatrix.identity(8));
        assertThat(Products.mul(reg, s.x()).maxAbsDiff(b)).isLessThan(1e-6);
    }

    @Test
    void symmetricEigenReconstructs() {
        DMatrix a = DMatrix.of(new double[][] {{2, 1}, {1, 2}});
        SymmetricEigen.Result e = SymmetricEigen.of(a);
        assertThat(e.values()[0]).isCloseTo(1.0, within(1e-14));
        assertThat(e.values()[1]).isCloseTo(3.0, within(1e-14));
        DMatrix g = random(10, 6, 8);
        DMatrix s = Products.mulTransA(g, g);
        SymmetricEigen.Result r = SymmetricEigen.of(s);
        DMatrix rec = Products.mulTransB(r.vectors().copy().scaleColumns(r.values()), r.vectors());
        assertThat(rec.maxAbsDiff(s)).isLessThan(1e-11);
    }
}
