package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.testing.ArrayTensors;
import dev.amalgam.testing.ArrayTensors.Ctx;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** slerp, nuslerp and multislerp on seeded random and hand-made tensors. */
class SlerpFamilyTest {
    private static final float S = (float) Math.sqrt(0.5);

    // ---- slerp ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void slerpAtTZeroAndOneReturnsTheEndpoints(int baseIndex) {
        // 77 100 elements: more than one chunk, so the two-pass reduction crosses chunk boundaries
        float[] base = ArrayTensors.gaussian(1, 300 * 257);
        float[] other = ArrayTensors.gaussian(2, 300 * 257);
        float[][] in = baseIndex == 0 ? new float[][]{base, other} : new float[][]{other, base};
        long[] shape = {300, 257};
        float[] at0 = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(baseIndex).global("t", 0), shape, in);
        float[] at1 = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(baseIndex).global("t", 1), shape, in);
        ArrayTensors.assertAllClose(at0, base, 0);
        ArrayTensors.assertAllClose(at1, other, 0);
    }

    @Test
    void slerpOfOrthogonalUnitVectorsFollowsTheCircle() {
        float[] out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", 0.5),
                new float[]{1, 0}, new float[]{0, 1});
        assertThat(out).containsExactly(new float[]{S, S}, within(1e-7f));
        // t = 1/3 of a right angle: (cos 30°, sin 30°)
        out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", 1.0 / 3),
                new float[]{1, 0}, new float[]{0, 1});
        assertThat(out).containsExactly(new float[]{(float) Math.sqrt(3) / 2, 0.5f}, within(1e-7f));
    }

    @Test
    void slerpMatchesTheFormulaOnRandomTensorsAndKeepsTheNorms() {
        float[] v0 = ArrayTensors.gaussian(3, 70_001);
        float[] v1 = ArrayTensors.gaussian(4, 70_001);
        double t = 0.3;
        float[] out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", t), v0, v1);
        double n0 = norm(v0);
        double n1 = norm(v1);
        double dot = 0;
        for (int i = 0; i < v0.length; i++) {
            dot += (double) v0[i] * v1[i];
        }
        double theta = Math.acos(dot / (n0 * n1));
        double c0 = Math.sin((1 - t) * theta) / Math.sin(theta);
        double c1 = Math.sin(t * theta) / Math.sin(theta);
        for (int i = 0; i < v0.length; i += 997) {
            assertThat(out[i]).isCloseTo((float) (c0 * v0[i] + c1 * v1[i]), within(1e-6f));
        }
    }

    @Test
    void nearlyColinearTensorsFallBackToLinearInterpolation() {
        // v1 = 2·v0 + tiny noise: cos θ > 0.9995, so the result is exactly the lerp of the original vectors
        float[] v0 = ArrayTensors.gaussian(5, 1000);
        float[] v1 = ArrayTensors.perturb(v0, 6, 0.01f);
        for (int i = 0; i < v1.length; i++) {
            v1[i] = 2 * v1[i];
        }
        float[] out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", 0.25), v0, v1);
        for (int i = 0; i < v0.length; i++) {
            assertThat(out[i]).isCloseTo((float) (0.75 * v0[i] + 0.25 * v1[i]), within(1e-6f));
        }
        // an exactly opposite tensor (cos θ = −1) also takes the lerp instead of dividing by sin π
        float[] neg = new float[v0.length];
        for (int i = 0; i < v0.length; i++) {
            neg[i] = -v0[i];
        }
        out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", 0.5), v0, neg);
        assertThat(out).containsOnly(0f);
    }

    @Test
    void zeroTensorGivesNoNaN() {
        float[] zero = new float[16];
        float[] v = ArrayTensors.gaussian(7, 16);
        float[] out = ArrayTensors.merge(new SlerpMerge(), new Ctx(2).base(0).global("t", 0.5), zero, v);
        // cos θ = 0 (θ = π/2), as in mergekit: the result is sin(π/4)·v
        for (int i = 0; i < 16; i++) {
            assertThat(out[i]).isCloseTo(S * v[i], within(1e-6f));
        }
    }

    @Test
    void slerpOfASingleInputCopiesIt() {
        float[] v = ArrayTensors.gaussian(8, 10);
        assertThat(ArrayTensors.merge(new SlerpMerge(), new Ctx(1).base(0).global("t", 0.3), v)).containsExactly(v);
    }

    // ---- nuslerp ----

    @ParameterizedTest
    @CsvSource({"1, 0, false", "0, 0, false", "0, 1, false", "1, 0, true", "0, 0, true", "0, 1, true"})
    void nuslerpIsSymmetricUnderSwappingTheModels(int flatten, int rowWise, boolean withBase) {
        long[] shape = {37, 29};
        int n = 37 * 29;
        float[] base = ArrayTensors.gaussian(10, n);
        float[] a = withBase ? ArrayTensors.perturb(base, 11, 0.1f) : ArrayTensors.gaussian(11, n);
        float[] c = withBase ? ArrayTensors.perturb(base, 12, 0.1f) : ArrayTensors.gaussian(12, n);
        Ctx ac = nuslerpCtx(withBase, flatten, rowWise).input(0, "weight", 0.8).input(1, "weight", 0.2);
        Ctx ca = nuslerpCtx(withBase, flatten, rowWise).input(0, "weight", 0.2).input(1, "weight", 0.8);
        float[] x = withBase ? ArrayTensors.merge(new NuSlerpMerge(), ac, shape, a, c, base)
                : ArrayTensors.merge(new NuSlerpMerge(), ac, shape, a, c);
        float[] y = withBase ? ArrayTensors.merge(new NuSlerpMerge(), ca, shape, c, a, base)
                : ArrayTensors.merge(new NuSlerpMerge(), ca, shape, c, a);
        ArrayTensors.assertAllClose(x, y, 2e-6f);
        // t = w_c / (w_a + w_c) = 0.2: closer to a than to c
        assertThat(distance(x, a)).isLessThan(distance(x, c));
    }

    private static Ctx nuslerpCtx(boolean withBase, int flatten, int rowWise) {
        Ctx ctx = new Ctx(withBase ? 3 : 2).global("nuslerp_flatten", flatten).global("nuslerp_row_wise", rowWise);
        return withBase ? ctx.base(2) : ctx;
    }

    @Test
    void nuslerpRowModeInterpolatesEachRowAndLerpsColinearRows() {
        // row 0: orthogonal unit vectors; row 1: (1, 0) and (2, 0), colinear -> lerp
        float[] a = {1, 0, 1, 0};
        float[] c = {0, 1, 2, 0};
        Ctx ctx = new Ctx(2).global("nuslerp_flatten", 0).input(0, "weight", 1).input(1, "weight", 1);
        float[] out = ArrayTensors.merge(new NuSlerpMerge(), ctx, new long[]{2, 2}, a, c);
        assertThat(out).containsExactly(new float[]{S, S, 1.5f, 0}, within(1e-7f));
    }

    @Test
    void nuslerpRowWiseModeInterpolatesColumns() {
        // columns of a: (1, 1) and (0, 0); of c: (0, 2) and (1, 0)
        float[] a = {1, 0, 1, 0};
        float[] c = {0, 1, 2, 0};
        Ctx ctx = new Ctx(2).global("nuslerp_flatten", 0).global("nuslerp_row_wise", 1)
                .input(0, "weight", 1).input(1, "weight", 1);
        float[] out = ArrayTensors.merge(new NuSlerpMerge(), ctx, new long[]{2, 2}, a, c);
        // column 0: 45° apart, t = 0.5 -> sin(π/8)/sin(π/4)·((1,1) + (0,2)); column 1: a zero vector -> cos 0,
        // θ = π/2, result sin(π/4)·(1, 0)
        float k = (float) (Math.sin(Math.PI / 8) / Math.sin(Math.PI / 4));
        assertThat(out).containsExactly(new float[]{k, S, 3 * k, 0}, within(1e-6f));
    }

    @Test
    void nuslerpWeightsSummingToZeroUseTheMidpoint() {
        float[] a = {1, 0};
        float[] c = {0, 1};
        Ctx ctx = new Ctx(2).input(0, "weight", -0.5).input(1, "weight", 0.5);
        assertThat(ArrayTensors.merge(new NuSlerpMerge(), ctx, a, c)).containsExactly(new float[]{S, S}, within(1e-7f));
    }

    @Test
    void nuslerpWithABaseInterpolatesTaskVectors() {
        float[] b = {1, 1};
        float[] a = {2, 1};
        float[] c = {1, 2};
        Ctx ctx = new Ctx(3).base(2).input(0, "weight", 1).input(1, "weight", 1);
        float[] out = ArrayTensors.merge(new NuSlerpMerge(), ctx, a, c, b);
        assertThat(out).containsExactly(new float[]{1 + S, 1 + S}, within(1e-6f));
    }

    @Test
    void nuslerpPassesATensorOnlyOneModelHasThrough() {
        float[] v = {1, 2, 3};
        assertThat(ArrayTensors.merge(new NuSlerpMerge(), new Ctx(1).input(0, "weight", 0.3), v)).containsExactly(v);
    }

    @Test
    void nuslerpRejectsABaseThatIsOneOfTheTwoModels() {
        var ctx = new Ctx(2).base(0).input(1, "weight", 1).build(new NuSlerpMerge(), new long[]{2});
        assertThat(new NuSlerpMerge().validate(ctx)).contains("base can not be one of the two models");
    }

    // ---- multislerp ----

    @Test
    void multislerpOfTwoModelsFollowsTheCircleAndKeepsTheMeanNorm() {
        // directions 90° apart, norms 1 and 3: mean direction (√½, √½), weighted mean norm 2
        Ctx ctx = new Ctx(2).input(0, "weight", 1).input(1, "weight", 1);
        float[] out = ArrayTensors.merge(new MultiSlerpMerge(), ctx, new float[]{1, 0}, new float[]{0, 3});
        assertThat(out).containsExactly(new float[]{2 * S, 2 * S}, within(1e-6f));
    }

    @Test
    void multislerpOfIdenticalModelsReturnsThem() {
        float[] v = ArrayTensors.gaussian(20, 70_000);
        Ctx ctx = new Ctx(3).input(0, "weight", 0.2).input(1, "weight", 0.3).input(2, "weight", 0.5);
        float[] out = ArrayTensors.merge(new MultiSlerpMerge(), ctx, v, v, v);
        ArrayTensors.assertAllClose(out, v, 1e-6f);
    }

    @Test
    void multislerpWithABaseWorksOnTaskVectorsAndASingleModelIsReturned() {
        float[] b = {5, 5, 5};
        Ctx ctx = new Ctx(3).base(2).input(0, "weight", 1).input(1, "weight", 1);
        float[] out = ArrayTensors.merge(new MultiSlerpMerge(), ctx, new float[]{6, 5, 5}, new float[]{5, 8, 5}, b);
        assertThat(out).containsExactly(new float[]{5 + 2 * S, 5 + 2 * S, 5}, within(1e-5f));
        float[] x = {1, 2, 3};
        assertThat(ArrayTensors.merge(new MultiSlerpMerge(), new Ctx(2).base(1).input(0, "weight", 1), x, b))
                .containsExactly(x);
    }

    @Test
    void multislerpOfCancellingModelsFallsBackToTheWeightedSum() {
        Ctx ctx = new Ctx(3).input(0, "weight", 1).input(1, "weight", 1).input(2, "weight", 1);
        float[] u = {1, 0};
        float[] v = {-0.5f, (float) Math.sqrt(0.75)};
        float[] w = {-0.5f, (float) -Math.sqrt(0.75)};
        float[] out = ArrayTensors.merge(new MultiSlerpMerge(), ctx, u, v, w);
        assertThat(out).containsExactly(new float[]{0, 0}, within(1e-6f));
        assertThat(ctx.warnings).singleElement().asString().contains("weighted sum");
    }

    @Test
    void multislerpRejectsWeightsSummingToZero() {
        var ctx = new Ctx(2).input(0, "weight", 1).input(1, "weight", -1).build(new MultiSlerpMerge(), new long[]{2});
        assertThat(new MultiSlerpMerge().validate(ctx)).contains("sum to zero");
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
