package dev.amalgam.merge.sparsify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.merge.random.CounterRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Properties of the sparsifiers on seeded random task vectors. */
class SparsifierPropertyTest {
    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * 0.02f;
        }
        return v;
    }

    private static int nonZero(float[] v) {
        int c = 0;
        for (float x : v) {
            c += x != 0f ? 1 : 0;
        }
        return c;
    }

    private static double l1(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return s;
    }

    @ParameterizedTest(name = "density {0}")
    @CsvSource({"0.1", "0.3", "0.5", "0.9"})
    void dareKeepsAFractionCloseToDensityAndRescaleRestoresL1(double density) {
        int n = 200_000;
        float[] delta = gaussian(n, 11);
        SparseMask mask = Sparsification.RANDOM.mask(ValueSource.of(delta), new long[]{n}, density, 0, 0,
                new CounterRandom(42, "t").substream(0));
        float[] kept = delta.clone();
        mask.apply(kept, n, 0);
        double fraction = nonZero(kept) / (double) n;
        double sigma = Math.sqrt(density * (1 - density) / n);
        assertThat(fraction).as("kept fraction").isCloseTo(density, within(5 * sigma));

        double factor = L1Rescale.factor(ValueSource.of(delta), n, mask);
        assertThat(factor).isCloseTo(l1(delta) / l1(kept), within(1e-12));
        float[] rescaled = kept.clone();
        for (int i = 0; i < n; i++) {
            rescaled[i] = (float) (rescaled[i] * (float) factor);
        }
        assertThat(l1(rescaled) / l1(delta)).as("L1 after rescale / before").isCloseTo(1.0, within(1e-6));
    }

    @Test
    void dareDensityOneAndZeroKeepAllAndNothing() {
        float[] delta = gaussian(1000, 3);
        assertThat(Sparsification.RANDOM.mask(ValueSource.of(delta), new long[]{1000}, 1.0, 0, 0,
                new CounterRandom(1, "t"))).isSameAs(SparseMask.KEEP_ALL);
        assertThat(BernoulliMask.of(new CounterRandom(1, "t"), 0.0)).isSameAs(SparseMask.DROP_ALL);
    }

    @Test
    void dellaKeepsDensityOnAverageAndFavoursLargeMagnitudesWithinRows() {
        int rows = 400;
        int cols = 500;
        double density = 0.4;
        double eps = 0.2;
        float[] delta = gaussian(rows * cols, 5);
        SparseMask mask = Sparsification.DELLA_MAGPRUNE.mask(ValueSource.of(delta), new long[]{rows, cols},
                density, 0, eps, new CounterRandom(42, "della").substream(0));
        float[] kept = delta.clone();
        mask.apply(kept, kept.length, 0);
        int n = rows * cols;
        // the mean of p over ranks 1..L is exactly density
        assertThat(nonZero(kept) / (double) n).isCloseTo(density, within(5 * Math.sqrt(0.25 / n)));
        // within each row the upper half by magnitude survives with p = density + eps/2 on average
        int keptLarge = 0;
        int keptSmall = 0;
        for (int r = 0; r < rows; r++) {
            float[] row = Arrays.copyOfRange(delta, r * cols, (r + 1) * cols);
            float[] sorted = row.clone();
            for (int i = 0; i < cols; i++) {
                sorted[i] = Math.abs(sorted[i]);
            }
            Arrays.sort(sorted);
            float median = sorted[cols / 2];
            for (int c = 0; c < cols; c++) {
                if (kept[r * cols + c] != 0f) {
                    if (Math.abs(row[c]) >= median) {
                        keptLarge++;
                    } else {
                        keptSmall++;
                    }
                }
            }
        }
        double half = n / 2.0;
        assertThat(keptLarge / half).isCloseTo(density + eps / 2, within(0.01));
        assertThat(keptSmall / half).isCloseTo(density - eps / 2, within(0.01));
    }

    @Test
    void dellaRanksAreTakenAlongDimOneForThreeDimensionalTensors() {
        // [2, 3, 4]: for each (i0, i2) a "row" of 3 along dim 1; p = d-eps, d, d+eps for ranks 1..3
        assertThat(DellaMask.probability(0, 3, 0.3, 0.4)).isCloseTo(0.3, within(1e-12));
        assertThat(DellaMask.probability(1, 3, 0.3, 0.4)).isCloseTo(0.5, within(1e-12));
        assertThat(DellaMask.probability(2, 3, 0.3, 0.4)).isCloseTo(0.7, within(1e-12));
        // a one-element row has no ranks to spread: p = density (mergekit computes 0/0 = NaN there)
        assertThat(DellaMask.probability(0, 1, 0.3, 0.4)).isCloseTo(0.5, within(1e-12));

        int outer = 200;
        int len = 3;
        int inner = 50;
        float[] delta = new float[outer * len * inner];
        for (int o = 0; o < outer; o++) {
            for (int r = 0; r < len; r++) {
                for (int j = 0; j < inner; j++) {
                    // along dim 1 the magnitudes are ordered r = 0 < 1 < 2
                    delta[(o * len + r) * inner + j] = (r + 1) * (j % 2 == 0 ? 1f : -1f);
                }
            }
        }
        SparseMask mask = Sparsification.DELLA_MAGPRUNE.mask(ValueSource.of(delta), new long[]{outer, len, inner},
                0.5, 0, 0.4, new CounterRandom(9, "experts").substream(0));
        float[] kept = delta.clone();
        mask.apply(kept, kept.length, 0);
        int[] keptByRank = new int[len];
        for (int o = 0; o < outer; o++) {
            for (int r = 0; r < len; r++) {
                for (int j = 0; j < inner; j++) {
                    keptByRank[r] += kept[(o * len + r) * inner + j] != 0f ? 1 : 0;
                }
            }
        }
        double per = outer * inner;
        assertThat(keptByRank[0] / per).isCloseTo(0.1, within(0.03));
        assertThat(keptByRank[1] / per).isCloseTo(0.5, within(0.04));
        assertThat(keptByRank[2] / per).isCloseTo(0.9, within(0.03));
    }

    @ParameterizedTest(name = "n={0} density={1} gamma={2}")
    @CsvSource({"1000, 0.8, 0.05", "1000, 0.7, 0.1", "1000, 0.95, 0.1", "777, 0.5, 0.0", "10, 0.5, 0.01",
            "70000, 0.3, 0.02", "64, 0.9, 0.2"})
    void breadcrumbsKeepsTheRankBandOfASortBasedReference(int n, double density, double gamma) {
        float[] delta = MagnitudeSelectionTest.values(n, n % 2 == 0, n);
        SparseMask mask = Sparsification.MAGNITUDE_OUTLIERS.mask(ValueSource.of(delta), new long[]{n}, density,
                gamma, 0, null);
        float[] kept = delta.clone();
        mask.apply(kept, n, 0);

        long[] band = BreadcrumbsMask.band(n, density, gamma);
        int nBot = (int) band[0];
        int nTop = (int) band[1];
        // ascending order = the mirror of the top-k order: magnitude ascending, then index descending
        Integer[] idx = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> Math.abs(delta[i]))
                .thenComparing(Comparator.<Integer>reverseOrder()));
        boolean[] expected = new boolean[n];
        for (int q = nBot; q < n - nTop; q++) {
            expected[idx[q]] = true;
        }
        int survivors = 0;
        float[] expectedKept = new float[n];
        for (int i = 0; i < n; i++) {
            expectedKept[i] = expected[i] ? delta[i] : 0f;
            survivors += expected[i] ? 1 : 0;
        }
        assertThat(Arrays.equals(kept, expectedKept)).as("kept == reference band").isTrue();
        assertThat(survivors).isEqualTo((int) Math.floor(density * n));
    }

    @Test
    void breadcrumbsIndexArithmeticMatchesMergekit() {
        // n = 100, density 0.8, gamma 0.05: drop the top 5 and the bottom 15
        assertThat(BreadcrumbsMask.band(100, 0.8, 0.05)).containsExactly(15, 5);
        // density + gamma > 1: n_bot = -5 moves into n_top
        assertThat(BreadcrumbsMask.band(100, 0.95, 0.1)).containsExactly(0, 5);
        // gamma·n < 1: n_top = 0 (mergekit then keeps nothing [Q]; Amalgam keeps [n_bot, n))
        assertThat(BreadcrumbsMask.band(10, 0.5, 0.01)).containsExactly(5, 0);
    }

    @Test
    void l1RescaleIsSkippedForAnAllZeroDelta() {
        float[] zeros = new float[100];
        SparseMask mask = BernoulliMask.of(new CounterRandom(1, "z"), 0.5);
        assertThat(L1Rescale.factor(ValueSource.of(zeros), 100, mask)).isEqualTo(1.0);
    }
}
