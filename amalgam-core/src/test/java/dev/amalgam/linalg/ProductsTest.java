package dev.amalgam.linalg;

import static dev.amalgam.linalg.LinalgTestData.naiveMul;
import static dev.amalgam.linalg.LinalgTestData.random;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProductsTest {
    @Test
    void smallProductMatchesHandComputed() {
        DMatrix a = DMatrix.of(new double[][] {{1, 2, 3}, {4, 5, 6}});
        DMatrix b = DMatrix.of(new double[][] {{7, 8}, {9, 10}, {11, 12}});
        DMatrix c = Products.mul(a, b);
        assertThat(c.data()).containsExactly(58, 64, 139, 154);
        assertThat(Products.mulTransA(a.transpose(), b).data()).containsExactly(58, 64, 139, 154);
        assertThat(Products.mulTransB(a, b.transpose()).data()).containsExactly(58, 64, 139, 154);
    }

    @Test
    void allThreeFormsMatchNaiveOnOddShapes() {
        // 300x257 · 257x131 is above the parallel threshold, so the row-block split is exercised too.
        DMatrix a = random(300, 257, 1);
        DMatrix b = random(257, 131, 2);
        DMatrix ref = naiveMul(a, b);
        assertThat(Products.mul(a, b).maxAbsDiff(ref)).isLessThan(1e-11);
        assertThat(Products.mulTransA(a.transpose(), b).maxAbsDiff(ref)).isLessThan(1e-11);
        assertThat(Products.mulTransB(a, b.transpose()).maxAbsDiff(ref)).isLessThan(1e-11);
        assertThat(Products.mul(a, b).data()).containsExactly(Products.mul(a, b).data());
    }

    @Test
    void float32FormsMatchFloat64WithinRounding() {
        DMatrix a = random(70, 45, 3);
        DMatrix b = random(45, 33, 4);
        DMatrix ref = naiveMul(a, b);
        FMatrix fa = FMatrix.from(a), fb = FMatrix.from(b);
        assertThat(Products.mul(fa, fb).toDouble().maxAbsDiff(ref)).isLessThan(1e-4);
        assertThat(Products.mulTransA(FMatrix.from(a.transpose()), fb).toDouble().maxAbsDiff(ref)).isLessThan(1e-4);
        assertThat(Products.mulTransB(fa, FMatrix.from(b.transpose())).toDouble().maxAbsDiff(ref)).isLessThan(1e-4);
    }

    @Test
    void nativeBlasIsDisabledInTests() {
        // The surefire argLine sets allowNative=false so figures and results never depend on the OS's BLAS.
        assertThat(Products.implementation()).doesNotContain("JNI");
    }

    @Test
    void tiledProductsMatchNaiveAcrossTileBoundaries() {
        // m and k cross the tile edge, n does not: row tiles, column tiles and k-blocks are all exercised.
        int m = Products.TILE + 37, k = Products.TILE + 5, n = 29;
        DMatrix a = random(m, k, 8);
        DMatrix b = random(k, n, 9);
        DMatrix ref = naiveMul(a, b);
        assertThat(Products.mul(a, b).maxAbsDiff(ref)).isLessThan(1e-10);
        assertThat(Products.mulTransA(a.transpose(), b).maxAbsDiff(ref)).isLessThan(1e-10);
        assertThat(Products.mulTransB(a, b.transpose()).maxAbsDiff(ref)).isLessThan(1e-10);
        // wide result: n crosses the tile edge
        DMatrix c = random(n, k, 10);
        DMatrix d = random(k, m, 11);
        DMatrix ref2 = naiveMul(c, d);
        assertThat(Products.mul(c, d).maxAbsDiff(ref2)).isLessThan(1e-10);
        assertThat(Products.mulTransB(c, d.transpose()).maxAbsDiff(ref2)).isLessThan(1e-10);
        FMatrix f = Products.mul(FMatrix.from(c), FMatrix.from(d));
        assertThat(f.toDouble().maxAbsDiff(ref2)).isLessThan(1e-3);
    }
}
