package dev.amalgam.merge.geometry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.testing.ArrayTensors;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused two-vector pass (slerp, nuslerp) must give the same bits as the general k-vector path, and both must
 * agree with a plain float64 dot product.
 */
class GroupedGramTest {
    static Stream<Arguments> shapes() {
        int big = (int) ElementwiseMethod.CHUNK + 5; // spans two chunks, with a ragged tail
        return Stream.of(Arguments.of(new long[] {1}), Arguments.of(new long[] {7}), Arguments.of(new long[] {big}),
                Arguments.of(new long[] {3, 13}), Arguments.of(new long[] {5, big / 5 + 1}));
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void fusedPairMatchesGeneralPath(long[] shape) {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        float[] a = random(n, 1), b = random(n, 2), c = random(n, 3), base = random(n, 4);
        ArrayTensors in = new ArrayTensors(shape, a, b, c, base);
        for (VectorLayout layout : new VectorLayout[] {VectorLayout.whole(), VectorLayout.lastDim(shape)}) {
            for (int baseIndex : new int[] {-1, 3}) {
                GroupedGram two = GroupedGram.compute(in, new int[] {0, 1}, baseIndex, layout);
                GroupedGram three = GroupedGram.compute(in, new int[] {0, 1, 2}, baseIndex, layout);
                for (int g = 0; g < layout.groups(); g++) {
                    for (int[] p : new int[][] {{0, 0}, {0, 1}, {1, 1}}) {
                        assertThat(two.dot(g, p[0], p[1])).as("group %d pair %d,%d base %d %s", g, p[0], p[1],
                                baseIndex, layout).isEqualTo(three.dot(g, p[0], p[1]));
                    }
                    // against a plain sum, up to rounding
                    long per = n / layout.groups();
                    double ref = 0;
                    for (long e = g * per; e < (g + 1) * per; e++) {
                        double x = baseIndex < 0 ? a[(int) e] : (double) a[(int) e] - base[(int) e];
                        double y = baseIndex < 0 ? b[(int) e] : (double) b[(int) e] - base[(int) e];
                        ref += x * y;
                    }
                    assertThat(two.dot(g, 0, 1)).isCloseTo(ref, org.assertj.core.api.Assertions.within(1e-9 * per));
                }
            }
        }
    }
}
