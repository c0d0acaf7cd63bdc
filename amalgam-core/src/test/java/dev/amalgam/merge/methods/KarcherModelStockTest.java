package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.testing.ArrayTensors;
import dev.amalgam.testing.ArrayTensors.Ctx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** karcher and model_stock on seeded random and hand-made tensors. */
class KarcherModelStockTest {
    private static final float S = (float) Math.sqrt(0.5);

    // ---- karcher ----

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5})
    void karcherOfOneRepeatedPointReturnsIt(int copies) {
        float[] v = ArrayTensors.gaussian(30, 70_003);
        float[][] in = new float[copies][];
        java.util.Arrays.fill(in, v);
        float[] out = ArrayTensors.merge(new KarcherMerge(), new Ctx(copies), in);
        ArrayTensors.assertAllClose(out, v, 1e-6f);
    }

    @Test
    void karcherMeanOfTwoOrthogonalDirectionsIsTheBisectorAtTheMeanNorm() {
        float[] out = ArrayTensors.merge(new KarcherMerge(), new Ctx(2), new float[]{1, 0}, new float[]{0, 3});
        assertThat(out).containsExactly(new float[]{2 * S, 2 * S}, within(1e-5f));
    }

    @Test
    void karcherMeanOfThreeAxesIsTheDiagonal() {
        // the intrinsic mean of e1, e2, e3 is (1,1,1)/√3 by symmetry; the norm is the mean norm 1
        float k = (float) (1 / Math.sqrt(3));
        float[] out = ArrayTensors.merge(new KarcherMerge(), new Ctx(3).global("max_iter", 50),
                new float[]{1, 0, 0}, new float[]{0, 1, 0}, new float[]{0, 0, 1});
        assertThat(out).containsExactly(new float[]{k, k, k}, within(1e-5f));
    }

    @Test
    void karcherIsNotTheLinearMeanForSpreadDirections() {
        // unit vectors at 0°, 10° and 80°: the spherical mean lies at the mean angle 30° only approximately, and
        // is a unit vector (mean norm 1), unlike the chord mean
        float[][] in = new float[3][];
        double[] deg = {0, 10, 80};
        for (int i = 0; i < 3; i++) {
            in[i] = new float[]{(float) Math.cos(Math.toRadians(deg[i])), (float) Math.sin(Math.toRadians(deg[i]))};
        }
        float[] out = ArrayTensors.merge(new KarcherMerge(), new Ctx(3).global("max_iter", 100).global("tol", 1e-9),
                in);
        // on a circle the Karcher mean is the mean angle exactly (geodesic distances are angle differences)
        assertThat(out[0]).isCloseTo((float) Math.cos(Math.toRadians(30)), within(1e-5f));
        assertThat(out[1]).isCloseTo((float) Math.sin(Math.toRadians(30)), within(1e-5f));
    }

    @Test
    void karcherWithZeroOrOppositeInputsGivesNoNaN() {
        float[] out = ArrayTensors.merge(new KarcherMerge(), new Ctx(2), new float[]{0, 0}, new float[]{0, 0});
        assertThat(out).containsExactly(0f, 0f);
        out = ArrayTensors.merge(new KarcherMerge(), new Ctx(2), new float[]{1, 0}, new float[]{-1, 0});
        assertThat(out).doesNotContain(Float.NaN);
    }

    // ---- model_stock ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void modelStockOfIdenticalFineTunesReturnsThatFineTune(int filterWise) {
        float[] base = ArrayTensors.gaussian(40, 300 * 257);
        float[] ft = ArrayTensors.perturb(base, 41, 0.05f);
        float[] out = ArrayTensors.merge(new ModelStockMerge(), new Ctx(4).base(0).global("filter_wise", filterWise),
                new long[]{300, 257}, base, ft, ft, ft);
        ArrayTensors.assertAllClose(out, ft, 1e-6f);
    }

    @Test
    void modelStockRatioFollowsThePaper() {
        // N = 2 task vectors 60° apart (cos 0.5): t = 2·0.5 / (1 + 0.5) = 2/3; out = b + t·mean(o)
        float[] b = {1, 1};
        float[] x1 = {2, 1};
        float[] x2 = {1.5f, 1 + (float) Math.sqrt(0.75)};
        float[] out = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0), b, x1, x2);
        double t = 2.0 / 3;
        assertThat(out[0]).isCloseTo((float) (1 + t * 0.75), within(1e-6f));
        assertThat(out[1]).isCloseTo((float) (1 + t * Math.sqrt(0.75) / 2), within(1e-6f));
        // orthogonal task vectors: cos 0, t = 0: the base
        out = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0), b, new float[]{2, 1}, new float[]{1, 3});
        assertThat(out).containsExactly(1f, 1f);
    }

    @Test
    void modelStockFilterWiseUsesOneRatioPerRow() {
        // row 0: task vectors identical (t = 1 -> the fine-tune); row 1: orthogonal (t = 0 -> the base)
        float[] b = {0, 0, 0, 0};
        float[] x1 = {1, 2, 1, 0};
        float[] x2 = {1, 2, 0, 1};
        float[] rows = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0).global("filter_wise", 1),
                new long[]{2, 2}, b, x1, x2);
        assertThat(rows).containsExactly(new float[]{1, 2, 0, 0}, within(1e-6f));
        // the whole tensor: cos = 5/6, t = 2·(5/6)/(1 + 5/6) = 10/11
        float[] whole = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0), new long[]{2, 2}, b, x1, x2);
        float t = 10f / 11;
        assertThat(whole).containsExactly(new float[]{t, 2 * t, t / 2, t / 2}, within(1e-6f));
    }

    @Test
    void modelStockWithCancellingTaskVectorsKeepsTheBaseInsteadOfNaN() {
        float[] b = {1, 2};
        Ctx ctx = new Ctx(3).base(0);
        float[] out = ArrayTensors.merge(new ModelStockMerge(), ctx, b, new float[]{2, 3}, new float[]{0, 1});
        assertThat(out).containsExactly(1f, 2f);
        assertThat(ctx.warnings).singleElement().asString().contains("cancel out");
    }

    @Test
    void modelStockNeedsTwoFineTunesAndABase() {
        var m = new ModelStockMerge();
        assertThat(m.validate(new Ctx(2).base(0).build(m, new long[]{2}))).contains("at least two fine-tuned");
        assertThat(m.validate(new Ctx(3).build(m, new long[]{2}))).contains("needs a base_model");
        float[] b = {3, 4};
        assertThat(ArrayTensors.merge(m, new Ctx(1).base(0), b)).containsExactly(b);
    }
}
