package dev.amalgam.merge.random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CounterRandomTest {
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 42, -7})
    void uniformIsReproducibleAndWellSpread(long seed) {
        CounterRandom r = new CounterRandom(seed, "model.layers.0.mlp.up_proj.weight");
        CounterRandom again = new CounterRandom(seed, "model.layers.0.mlp.up_proj.weight");
        CounterRandom other = new CounterRandom(seed, "model.layers.1.mlp.up_proj.weight");
        int n = 200_000;
        double sum = 0;
        int kept = 0;
        int same = 0;
        int[] buckets = new int[10];
        for (int i = 0; i < n; i++) {
            double u = r.uniform(i);
            assertThat(u).isBetween(0.0, 1.0).isNotEqualTo(1.0);
            assertThat(again.uniform(i)).isEqualTo(u);
            if (other.uniform(i) == u) {
                same++;
            }
            sum += u;
            buckets[(int) (u * 10)]++;
            if (r.bernoulli(i, 0.3)) {
                kept++;
            }
        }
        assertThat(sum / n).isCloseTo(0.5, within(0.005));
        assertThat((double) kept / n).isCloseTo(0.3, within(0.005));
        assertThat(same).isZero();
        for (int b : buckets) {
            assertThat((double) b / n).isCloseTo(0.1, within(0.004));
        }
        assertThat(r.substream(0).uniform(5)).isNotEqualTo(r.substream(1).uniform(5));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.1, 0.9, 1e-9, 0.999999999, 0.0, 1.0, Double.NaN})
    void vectorizedMaskKeepsExactlyTheElementsThePerElementDrawKeeps(double p) {
        CounterRandom rng = new CounterRandom(42, "model.layers.0.mlp.up_proj.weight").substream(2);
        int n = 1000 + 13;
        long first = 5_000_000_017L;
        float[] values = new float[n];
        for (int e = 0; e < n; e++) {
            values[e] = e + 1;
        }
        rng.keepBernoulli(values, n, first, p);
        for (int e = 0; e < n; e++) {
            float expected = rng.bernoulli(first + e, p) ? e + 1 : 0f;
            assertThat(values[e]).as("element %d, p %s", e, p).isEqualTo(expected);
        }
    }
}
