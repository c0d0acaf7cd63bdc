package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.testing.MethodHarness;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The general task-arithmetic method and sce on in-memory tensors: hand-computed cases for each rule of
 * compat.md §1.3/§1.4 and properties on seeded random tensors.
 */
class TaskArithmeticPropertyTest {
    private static MergeMethod method(String name) {
        return MethodRegistry.find(name).orElseThrow();
    }

    private static float[] gaussian(int n, long seed, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    private static float[] plus(float[] a, float[] b) {
        float[] o = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            o[i] = a[i] + b[i];
        }
        return o;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void tiesWithDensityOneAndOneModelEqualsTaskArithmetic(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] base = gaussian(5000, seed, 1f);
        float[] ft = plus(base, gaussian(5000, seed + 100, 0.01f));
        double weight = r.nextDouble(-1.5, 1.5);
        double lambda = r.nextDouble(0.2, 1.5);
        for (boolean normalize : new boolean[]{true, false}) {
            float[] ties = MethodHarness.of(method("ties")).model(ft, "weight", weight, "density", 1.0).base(base)
                    .global("normalize", normalize).global("lambda", lambda).merge();
            float[] ta = MethodHarness.of(method("task_arithmetic")).model(ft, "weight", weight).base(base)
                    .global("normalize", normalize).global("lambda", lambda).merge();
            assertThat(Arrays.equals(ties, ta)).as("ties == task_arithmetic, normalize=%s", normalize).isTrue();
        }
    }

    @Test
    void taskArithmeticAddsWeightedTaskVectorsScaledByLambda() {
        float[] b = {1f, 2f, -1f};
        float[] x = {1.5f, 1f, -1f};
        float[] y = {0f, 2.5f, 1f};
        float[] out = MethodHarness.of(method("task_arithmetic")).model(x, "weight", 0.7).model(y, "weight", 0.5)
                .base(b).global("lambda", 0.9).merge();
        for (int i = 0; i < 3; i++) {
            double expected = b[i] + 0.9 * (0.7 * (x[i] - b[i]) + 0.5 * (y[i] - b[i]));
            assertThat((double) out[i]).isCloseTo(expected, within(1e-6));
        }
        // normalize with weights summing to ~0: the divisor becomes 1 (mergekit's |Σw| < 1e-8 guard)
        float[] zeroSum = MethodHarness.of(method("task_arithmetic")).model(x, "weight", 1.0).model(y, "weight", -1.0)
                .base(b).global("normalize", true).merge();
        for (int i = 0; i < 3; i++) {
            assertThat(zeroSum[i]).isEqualTo(b[i] + ((x[i] - b[i]) - (y[i] - b[i])));
        }
    }

    @Test
    void weightsAreAppliedBeforeTheSignElection() {
        // deltas +1, −1, −1: unweighted the majority is negative; weighted 3, 1, 1 it is positive (3 − 1 − 1 > 0)
        float[] b = {0f};
        float[] out = MethodHarness.of(method("ties")).model(new float[]{1f}, "weight", 3.0)
                .model(new float[]{-1f}, "weight", 1.0).model(new float[]{-1f}, "weight", 1.0).base(b).merge();
        // normalize (ties default): Σ w·δ·m / Σ w·m = 3 / 3
        assertThat(out[0]).isEqualTo(1f);
        float[] absolute = MethodHarness.of(method("ties")).model(new float[]{1f}, "weight", 3.0)
                .model(new float[]{-1f}, "weight", 1.0).model(new float[]{-1f}, "weight", 1.0).base(b)
                .global("normalize", false).merge();
        assertThat(absolute[0]).isEqualTo(3f);
    }

    @Test
    void aZeroSignSumElectsPlusAndTheDisjointMeanDividesByOneWhereNoModelAgrees() {
        float[] b = {10f, 10f, 10f};
        // element 0: +2 and −2 sum to 0 → '+' wins; element 1: all deltas 0 → no model agrees → 0/1;
        // element 2: only one model has a non-zero delta → it gets its full delta despite weight 0.25
        float[] x = {12f, 10f, 14f};
        float[] y = {8f, 10f, 10f};
        float[] out = MethodHarness.of(method("ties")).model(x, "weight", 0.25).model(y, "weight", 0.25).base(b)
                .merge();
        assertThat(out).containsExactly(12f, 10f, 14f);
    }

    @Test
    void withNormalizeWeightsAreRelativeAndLambdaScalesAfterNormalisation() {
        float[] base = gaussian(3000, 9, 1f);
        float[] x = plus(base, gaussian(3000, 10, 0.01f));
        float[] y = plus(base, gaussian(3000, 11, 0.01f));
        float[] one = MethodHarness.of(method("ties")).model(x, "weight", 0.6, "density", 0.5)
                .model(y, "weight", 0.4, "density", 0.7).base(base).merge();
        float[] doubled = MethodHarness.of(method("ties")).model(x, "weight", 1.2, "density", 0.5)
                .model(y, "weight", 0.8, "density", 0.7).base(base).merge();
        float[] halfLambda = MethodHarness.of(method("ties")).model(x, "weight", 0.6, "density", 0.5)
                .model(y, "weight", 0.4, "density", 0.7).base(base).global("lambda", 0.5).merge();
        for (int i = 0; i < base.length; i++) {
            assertThat(doubled[i]).isCloseTo(one[i], within(1e-6f));
            assertThat((double) halfLambda[i] - base[i]).isCloseTo(0.5 * ((double) one[i] - base[i]), within(1e-6));
        }
    }

    @Test
    void tiesTrimsEachTaskVectorToItsLargestMagnitudes() {
        float[] b = {0f, 0f, 0f, 0f};
        float[] x = {0.1f, -0.4f, 0.3f, 0.2f};
        float[] out = MethodHarness.of(method("ties")).model(x, "weight", 0.5, "density", 0.5).base(b).merge();
        assertThat(out).containsExactly(0f, -0.4f, 0.3f, 0f);
    }

    @Test
    void tiesWithKZeroKeepsTheBaseInsteadOfFailing() {
        // ⌊0.05 · 10⌋ = 0: mergekit asserts ("not gonna zero out the whole tensor"); Amalgam keeps nothing
        float[] b = gaussian(10, 1, 1f);
        float[] x = plus(b, gaussian(10, 2, 0.1f));
        float[] out = MethodHarness.of(method("ties")).model(x, "weight", 1.0, "density", 0.05).base(b).merge();
        assertThat(out).containsExactly(b);
    }

    @Test
    void breadcrumbsWithNoOutliersToDropKeepsTheUpperBand() {
        // n = 10, gamma 0.01 → n_top = 0, density 0.5 → n_bot = 5: the five largest survive (mergekit keeps none)
        float[] b = new float[10];
        float[] x = {1f, -2f, 3f, -4f, 5f, -6f, 7f, -8f, 9f, -10f};
        float[] out = MethodHarness.of(method("breadcrumbs")).model(x, "weight", 1.0, "density", 0.5).base(b)
                .merge();
        assertThat(out).containsExactly(0f, 0f, 0f, 0f, 0f, -6f, 7f, -8f, 9f, -10f);
        // with gamma 0.2 the top two are outliers: ranks [3, 8) of ascending magnitude survive
        float[] band = MethodHarness.of(method("breadcrumbs")).model(x, "weight", 1.0, "density", 0.5, "gamma", 0.2)
                .base(b).merge();
        assertThat(band).containsExactly(0f, 0f, 0f, -4f, 5f, -6f, 7f, -8f, 0f, 0f);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"dare_linear", "della_linear"})
    void randomDropKeepsAboutDensityAndRestoresTheL1NormExactly(String name) {
        int n = 100_000;
        float[] base = new float[n];
        float[] x = gaussian(n, 77, 0.02f);
        float[] out = MethodHarness.of(method(name)).model(x, "weight", 1.0, "density", 0.4, "epsilon", 0.1)
                .base(base).shape(250, 400).merge();
        int kept = 0;
        double l1Out = 0;
        double l1In = 0;
        for (int i = 0; i < n; i++) {
            kept += out[i] != 0f ? 1 : 0;
            l1Out += Math.abs(out[i]);
            l1In += Math.abs(x[i]);
        }
        assertThat(kept / (double) n).isCloseTo(0.4, within(5 * Math.sqrt(0.24 / n)));
        assertThat(l1Out / l1In).isCloseTo(1.0, within(1e-6));
        // rescale off: survivors keep their values
        float[] plain = MethodHarness.of(method(name)).model(x, "weight", 1.0, "density", 0.4, "epsilon", 0.1)
                .base(base).shape(250, 400).global("rescale", false).merge();
        for (int i = 0; i < n; i++) {
            assertThat(plain[i]).isIn(0f, x[i]);
            assertThat(plain[i] != 0f).isEqualTo(out[i] != 0f);
        }
    }

    @Test
    void l1RescaleDoesNotOverflowWhereFloat16SumsWould() {
        // Σ|δ| = 2e8, far above float16's 65504: mergekit's fp16 sums overflow to inf [Q]; ours are float64
        int n = 200_000;
        float[] base = new float[n];
        float[] x = new float[n];
        Arrays.fill(x, 1000f);
        float[] out = MethodHarness.of(method("dare_linear")).model(x, "weight", 1.0, "density", 0.5).base(base)
                .merge();
        double l1 = 0;
        for (float v : out) {
            assertThat(Float.isFinite(v)).isTrue();
            l1 += Math.abs(v);
        }
        assertThat(l1 / (1000.0 * n)).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void dellaOneElementRowsGiveFiniteOutputWithDensityProbability() {
        // rows of length 1: mergekit's rank normalisation is 0/0 = NaN [Q]; Amalgam uses p = density
        int rows = 20_000;
        float[] base = new float[rows];
        float[] x = gaussian(rows, 4, 0.05f);
        float[] out = MethodHarness.of(method("della")).model(x, "weight", 1.0, "density", 0.3, "epsilon", 0.1)
                .base(base).shape(rows, 1).global("rescale", false).merge();
        int kept = 0;
        for (int i = 0; i < rows; i++) {
            assertThat(Float.isFinite(out[i])).isTrue();
            kept += out[i] != 0f ? 1 : 0;
        }
        assertThat(kept / (double) rows).isCloseTo(0.3, within(5 * Math.sqrt(0.21 / rows)));
    }

    @Test
    void dellaRejectsDensityPlusMinusEpsilonOutsideTheUnitInterval() {
        String problem = MethodHarness.of(method("della")).model(new float[4], "weight", 1.0, "density", 0.9,
                "epsilon", 0.15).base(new float[4]).validate();
        assertThat(problem).contains("model0", "density ± epsilon inside (0, 1)", "0.9", "0.15");
        assertThat(MethodHarness.of(method("della")).model(new float[4], "weight", 1.0, "density", 0.5)
                .base(new float[4]).validate()).isNull();
        // density 1 (the default) skips the sparsifier, so any epsilon is fine, as in mergekit
        assertThat(MethodHarness.of(method("della")).model(new float[4], "weight", 1.0, "epsilon", 0.5)
                .base(new float[4]).validate()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"task_arithmetic", "ties", "dare_ties", "breadcrumbs_ties", "della_linear", "sce"})
    void aBaseModelIsRequired(String name) {
        String problem = MethodHarness.of(method(name)).model(new float[4], "weight", 1.0).validate();
        assertThat(problem).contains("needs a base model", "base_model");
    }

    @Test
    void randomMethodsAreReproducibleForASeedAndChangeWithIt() {
        float[] base = gaussian(20_000, 1, 1f);
        float[] x = plus(base, gaussian(20_000, 2, 0.01f));
        float[] y = plus(base, gaussian(20_000, 3, 0.01f));
        for (String name : new String[]{"dare_ties", "della"}) {
            MethodHarness h = MethodHarness.of(method(name)).model(x, "weight", 0.6, "density", 0.5, "epsilon", 0.1)
                    .model(y, "weight", 0.4, "density", 0.6, "epsilon", 0.1).base(base).shape(100, 200);
            float[] first = h.seed(7).merge();
            float[] again = h.seed(7).merge();
            float[] other = h.seed(8).merge();
            assertThat(Arrays.equals(first, again)).as(name + " same seed").isTrue();
            assertThat(Arrays.equals(first, other)).as(name + " other seed").isFalse();
            assertThat(method(name).info().random()).isTrue();
        }
        assertThat(method("ties").info().random()).isFalse();
    }

    @Test
    void sceWeightsModelsByTaskVectorEnergyAndErasesDisagreeingSigns() {
        float[] b = {0f, 0f, 0f, 0f};
        float[] t1 = {1f, 2f, -1f, 0f};
        float[] t2 = {3f, -2f, -1f, 0f};
        // s = mean(T²) = 1.5 and 3.5 → 0.3 and 0.7; element 1 sums to 0 → '+' → only T1 counts
        float[] out = MethodHarness.of(method("sce")).model(t1).model(t2).base(b).merge();
        assertThat(out[0]).isCloseTo(2.4f, within(1e-6f));
        assertThat(out[1]).isCloseTo(2f, within(1e-6f));
        assertThat(out[2]).isCloseTo(-1f, within(1e-6f));
        assertThat(out[3]).isEqualTo(0f);
        // select_topk 0.5: variances 1, 4, 0, 0 → 2 non-zero → keep the top 1 (element 1) for both models
        float[] selected = MethodHarness.of(method("sce")).model(t1).model(t2).base(b).global("select_topk", 0.5)
                .merge();
        assertThat(selected[0]).isEqualTo(0f);
        assertThat(selected[1]).isCloseTo(2f, within(1e-6f));
        assertThat(selected[2]).isEqualTo(0f);
        assertThat(selected[3]).isEqualTo(0f);
    }

    @Test
    void onlyTheBaseGivesTheBase() {
        float[] b = {1f, 2f, 3f};
        assertThat(MethodHarness.of(method("ties")).base(b).merge()).containsExactly(b);
        assertThat(MethodHarness.of(method("sce")).base(b).global("select_topk", 0.5).merge()).containsExactly(b);
    }
}
