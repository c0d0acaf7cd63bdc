package dev.amalgam.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Properties of gradient interpolation over seeded random gradients. */
class GradientPropertyTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    private static double[] randomAnchors(SplittableRandom rnd, int minLength) {
        double[] v = new double[minLength + rnd.nextInt(12)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(-5, 5);
        }
        return v;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void endpointsAndAnchors(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = randomAnchors(rnd, 1);
        GradientSetting g = GradientSetting.of(v);
        int last = v.length - 1;
        assertThat(g.evaluate("x", 0.0)).isEqualTo(v[0]);
        assertThat(g.evaluate("x", 1.0)).isEqualTo(v[last]);
        if (last == 0) {
            assertThat(g.evaluate("x", rnd.nextDouble())).isEqualTo(v[0]);
        }
        for (int k = 0; last > 0 && k <= last; k++) {
            double t = (double) k / last;
            // k/last·last may round to k−ε: then f ≈ 1 and the result is v[k] up to a rounding error
            assertThat((Double) g.evaluate("x", t)).isCloseTo(v[k], org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void valuesStayWithinTheirSegment(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = randomAnchors(rnd, 2);
        GradientSetting g = GradientSetting.of(v);
        int last = v.length - 1;
        for (int i = 0; i < 100; i++) {
            double t = rnd.nextDouble();
            int seg = Math.min(last - 1, (int) Math.floor(t * last));
            double lo = Math.min(v[seg], v[seg + 1]);
            double hi = Math.max(v[seg], v[seg + 1]);
            double value = (Double) g.evaluate("x", t);
            assertThat(value).isBetween(lo - 1e-12, hi + 1e-12);
        }
        // monotone inside a segment: sampled positions in order give ordered values
        int seg = rnd.nextInt(last);
        double prev = (Double) g.evaluate("x", (double) seg / last);
        boolean rising = v[seg + 1] >= v[seg];
        for (int j = 1; j <= 20; j++) {
            double t = (seg + j / 21.0) / last;
            double value = (Double) g.evaluate("x", t);
            if (rising) {
                assertThat(value).isGreaterThanOrEqualTo(prev - 1e-12);
            } else {
                assertThat(value).isLessThanOrEqualTo(prev + 1e-12);
            }
            prev = value;
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void parsedGradientEqualsBuiltOne(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = randomAnchors(rnd, 1);
        StringBuilder yaml = new StringBuilder("merge_method: linear\nmodels:\n  - model: a\nparameters:\n  g: [");
        for (int i = 0; i < v.length; i++) {
            yaml.append(i == 0 ? "" : ", ").append(Double.toString(v[i]));
        }
        yaml.append("]\n");
        ParameterSetting parsed = ConfigParser.parse(yaml.toString(), "p.yml").parameters().get("g");
        double t = rnd.nextDouble();
        assertThat(parsed.evaluate("x", t)).isEqualTo(GradientSetting.of(v).evaluate("x", t));
    }
}
