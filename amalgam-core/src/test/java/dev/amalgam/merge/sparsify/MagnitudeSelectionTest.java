package dev.amalgam.merge.sparsify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The radix top-k against a sort-based reference: the reference sorts indices by (|v| descending, index
 * ascending) and keeps the first k, which is exactly the documented tie rule.
 */
class MagnitudeSelectionTest {
    static Stream<Arguments> cases() {
        // lengths around the 64 Ki chunk so the tie search crosses chunk boundaries; few distinct values => ties
        return Stream.of(1, 2, 7, 100, 1023, 65537, 150_000).flatMap(n -> Stream.of(
                Arguments.of(n, 0L, true), Arguments.of(n, 1L, true), Arguments.of(n, (long) n / 3, true),
                Arguments.of(n, (long) n / 2, false), Arguments.of(n, Math.max(0L, n - 1L), true),
                Arguments.of(n, (long) n, false)));
    }

    @ParameterizedTest(name = "n={0} k={1} ties={2}")
    @MethodSource("cases")
    void keepsExactlyTheReferenceTopK(int n, long k, boolean manyTies) {
        float[] v = values(n, manyTies, 1000L * n + k);
        TopK top = MagnitudeSelection.select(ValueSource.of(v), n, k);

        boolean[] expected = referenceTopK(v, (int) k);
        int kept = 0;
        int firstWrong = -1;
        for (int i = 0; i < n; i++) {
            boolean keeps = top.keeps(v[i], i);
            if (keeps != expected[i] && firstWrong < 0) {
                firstWrong = i;
            }
            kept += keeps ? 1 : 0;
        }
        int w = firstWrong;
        assertThat(firstWrong).as(() -> "first element that differs from the reference: " + w
                + (w >= 0 ? " (value " + v[w] + ", reference keeps " + expected[w] + ")" : "")).isEqualTo(-1);
        assertThat(kept).isEqualTo(k);
        float[] masked = v.clone();
        top.apply(masked, n, 0);
        float[] expectedMasked = new float[n];
        for (int i = 0; i < n; i++) {
            expectedMasked[i] = expected[i] ? v[i] : 0f;
        }
        assertThat(Arrays.equals(masked, expectedMasked)).as("apply() zeroes exactly the dropped elements").isTrue();
    }

    /**
     * Pass 2 branches when the threshold's bucket holds few elements and runs branch-free when it holds many;
     * both must keep the reference's top k, ties at the cut included (bf16 values: low 16 bits all zero).
     */
    @ParameterizedTest(name = "bucket share {0}")
    @org.junit.jupiter.params.provider.ValueSource(doubles = {0.02, 0.6})
    void bothBucketPassesKeepTheReferenceTopK(double crowd) {
        int n = 150_001;
        SplittableRandom r = new SplittableRandom(77);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // a share `crowd` of ±0.5 (one bucket), the rest spread over many magnitudes
            float x = r.nextDouble() < crowd ? 0.5f : (float) (r.nextGaussian() * 0.3);
            v[i] = bf16(r.nextBoolean() ? x : -x);
        }
        int k = (int) java.util.stream.IntStream.range(0, n).filter(i -> Math.abs(v[i]) > 0.5f).count() + 1000;
        int cutBucket = TopK.magnitudeBits(0.5f) >>> 16;
        long inBucket = java.util.stream.IntStream.range(0, n)
                .filter(i -> TopK.magnitudeBits(v[i]) >>> 16 == cutBucket).count();
        assertThat(inBucket / (double) n).as("share of the threshold's bucket")
                .isBetween(crowd * 0.8, crowd * 1.2 + 0.01);
        TopK top = MagnitudeSelection.select(ValueSource.of(v), n, k);
        boolean[] expected = referenceTopK(v, k);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            boolean keeps = top.keeps(v[i], i);
            assertThat(keeps).as("element %d (value %s)", i, v[i]).isEqualTo(expected[i]);
            kept += keeps ? 1 : 0;
        }
        assertThat(kept).isEqualTo(k);
    }

    private static float bf16(float x) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF0000);
    }

    @ParameterizedTest(name = "n={0} k={1}")
    @MethodSource("cases")
    void chunkedApplicationMatchesWholeTensor(int n, long k, boolean manyTies) {
        float[] v = values(n, manyTies, 7L * n + k);
        TopK top = MagnitudeSelection.select(ValueSource.of(v), n, k);
        float[] whole = v.clone();
        top.apply(whole, n, 0);
        float[] chunked = v.clone();
        for (int off = 0; off < n; off += 333) {
            int len = Math.min(333, n - off);
            float[] c = Arrays.copyOfRange(v, off, off + len);
            top.apply(c, len, off);
            System.arraycopy(c, 0, chunked, off, len);
        }
        assertThat(Arrays.equals(chunked, whole)).as("chunked == whole").isTrue();
    }

    /** Signed values from a small set (many exact ties, ±0 included) or continuous ones. */
    static float[] values(int n, boolean manyTies, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        float[] pool = {0f, -0f, 0.5f, -0.5f, 1f, -1f, 2.5f, 1e-30f, -3f, Float.MIN_VALUE};
        for (int i = 0; i < n; i++) {
            v[i] = manyTies ? pool[r.nextInt(pool.length)] : (float) r.nextGaussian() * 0.01f;
        }
        return v;
    }

    /** First k indices when sorted by magnitude descending, then by index ascending. */
    static boolean[] referenceTopK(float[] v, int k) {
        Integer[] idx = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> -Math.abs(v[i])).thenComparingInt(i -> i));
        boolean[] keep = new boolean[v.length];
        for (int q = 0; q < k; q++) {
            keep[idx[q]] = true;
        }
        return keep;
    }
}
