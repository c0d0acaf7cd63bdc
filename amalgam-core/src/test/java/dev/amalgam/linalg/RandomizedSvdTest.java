package dev.amalgam.linalg;

import static dev.amalgam.linalg.LinalgTestData.orthogonalityError;
import static dev.amalgam.linalg.LinalgTestData.withSpectrum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RandomizedSvdTest {
    private static double[] decaying(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.pow(0.85, i);
        }
        return s;
    }

    @Test
    void topSingularValuesMatchExactOnDecayingSpectrum() {
        DMatrix a = withSpectrum(200, 150, decaying(150), 3);
        int k = 12;
        SvdResult exact = Svd.thin(a).truncate(k);
        SvdResult rnd = RandomizedSvd.compute(a, k, new TruncatedSvdOptions(TruncatedSvdOptions.Mode.RANDOMIZED,
                10, 2, 42));
        assertThat(rnd.rank()).isEqualTo(k);
        for (int i = 0; i < k; i++) {
            assertThat(rnd.s()[i]).isCloseTo(exact.s()[i], within(1e-6 * exact.s()[0]));
        }
        assertThat(orthogonalityError(rnd.u())).isLessThan(1e-12);
        assertThat(orthogonalityError(rnd.v())).isLessThan(1e-12);
        // The rank-k approximation error is close to the optimal one, σ_{k+1} (Eckart–Young).
        double err = Svd.values(rnd.reconstruct().minus(a))[0];
        assertThat(err).isLessThan(1.01 * Math.pow(0.85, k));
        // Same subspace up to the sign of each pair: |uᵢ·ũᵢ| ≈ 1.
        for (int i = 0; i < k; i++) {
            double dot = 0;
            for (int row = 0; row < 200; row++) {
                dot += exact.u().get(row, i) * rnd.u().get(row, i);
            }
            assertThat(Math.abs(dot)).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void sameSeedSameResultDifferentSeedSameSpectrum() {
        DMatrix a = withSpectrum(120, 90, decaying(90), 9);
        TruncatedSvdOptions o = new TruncatedSvdOptions(TruncatedSvdOptions.Mode.RANDOMIZED, 10, 2, 5);
        SvdResult r1 = RandomizedSvd.compute(a, 8, o);
        SvdResult r2 = RandomizedSvd.compute(a, 8, o);
        assertThat(r1.u().data()).containsExactly(r2.u().data());
        SvdResult r3 = RandomizedSvd.compute(a, 8, new TruncatedSvdOptions(TruncatedSvdOptions.Mode.RANDOMIZED,
                10, 2, 6));
        for (int i = 0; i < 8; i++) {
            assertThat(r3.s()[i]).isCloseTo(r1.s()[i], within(1e-6));
        }
    }

    @Test
    void lowRankMatrixIsRecoveredExactly() {
        double[] sigma = {4, 3, 2, 1};
        DMatrix a = withSpectrum(80, 60, sigma, 21);
        SvdResult rnd = RandomizedSvd.compute(a, 4, TruncatedSvdOptions.defaults(1)
                .withMode(TruncatedSvdOptions.Mode.RANDOMIZED));
        assertThat(rnd.reconstruct().maxAbsDiff(a)).isLessThan(1e-12);
    }

    @Test
    void modeSwitchAndProperty() {
        TruncatedSvdOptions auto = TruncatedSvdOptions.defaults(0);
        assertThat(auto.useRandomized(10, 4096)).isTrue();
        assertThat(auto.useRandomized(10, 40)).isFalse(); // small: exact is cheap
        assertThat(auto.useRandomized(1365, 4096)).isTrue(); // TSV-M, T = 3: k + p ≤ r / 2
        assertThat(auto.useRandomized(2048, 4096)).isFalse(); // T = 2: k + p > r / 2, exact
        assertThat(TruncatedSvdOptions.exact().useRandomized(10, 4096)).isFalse();
        String old = System.getProperty(TruncatedSvdOptions.FORCE_EXACT_PROPERTY);
        try {
            System.setProperty(TruncatedSvdOptions.FORCE_EXACT_PROPERTY, "true");
            assertThat(auto.withMode(TruncatedSvdOptions.Mode.RANDOMIZED).useRandomized(10, 4096)).isFalse();
        } finally {
            if (old == null) {
                System.clearProperty(TruncatedSvdOptions.FORCE_EXACT_PROPERTY);
            } else {
                System.setProperty(TruncatedSvdOptions.FORCE_EXACT_PROPERTY, old);
            }
        }
        // Svd.truncated with EXACT equals the truncated thin SVD.
        DMatrix a = withSpectrum(30, 20, decaying(20), 2);
        SvdResult t = Svd.truncated(a, 5, TruncatedSvdOptions.exact());
        assertThat(t.s()).containsExactly(java.util.Arrays.copyOf(Svd.thin(a).s(), 5));
    }
}
