package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Top-k by selection against a sort-based reference: the same k elements survive, ties kept by position. */
class TopKTest {

    private static float[] reference(float[] x, long k) {
        Integer[] idx = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(idx, Comparator.<Integer>comparingInt(i -> Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF)
                .reversed().thenComparingInt(i -> i));
        float[] out = new float[x.length];
        for (int j = 0; j < Math.min(k, x.length); j++) {
            out[idx[j]] = x[idx[j]];
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void keepsExactlyTheKLargestMagnitudes(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1 + r.nextInt(5000);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // few distinct magnitudes in half the cases: many ties straddle the cut
            x[i] = seed % 2 == 0 ? (r.nextInt(7) - 3) * 0.5f : (float) r.nextGaussian();
        }
        for (long k : new long[]{0, 1, n / 3, n / 2, n - 1, n, n + 5}) {
            float[] got = x.clone();
            long kept = TopK.keepLargest(got, n, k);
            assertThat(kept).isEqualTo(Math.max(0, Math.min(k, n)));
            assertThat(got).as("n=%d k=%d", n, k).containsExactly(reference(x, k));
        }
    }

    @Test
    void cutByHand() {
        float[] x = {0.5f, -2f, 1f, -1f, 1f, 0f, Float.NaN};
        // NaN counts as the largest, then -2, then the three magnitudes 1 of which the first two are kept
        TopK.Cut c = TopK.cut(x, x.length, 4);
        assertThat(c.thresholdBits()).isEqualTo(Float.floatToRawIntBits(1f));
        assertThat(c.keepAtThreshold()).isEqualTo(2);
        TopK.keepLargest(x, x.length, 4);
        assertThat(x).containsExactly(0f, -2f, 1f, -1f, 0f, 0f, Float.NaN);
    }
}
