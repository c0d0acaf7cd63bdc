package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.testing.ArrayTensors;
import dev.amalgam.testing.ArrayTensors.Ctx;
import org.junit.jupiter.api.Test;

/** nearswap, ram, ramplus_tl and arcee_fusion against values computed by hand. */
class SelectionMethodsTest {
    @Test
    void nearswapSwapsCloseValuesAndBlendsFarOnes() {
        // t = 0.5; |a − x| = 0.25 -> w = 1 (swap); 1 -> w = 0.5; 2 -> w = 0.25; 0 -> w = 1 (clamped 1e-6 divisor)
        float[] a = {0, 0, 0, 1};
        float[] x = {0.25f, 1, -2, 1};
        float[] out = ArrayTensors.merge(new NearSwapMerge(), new Ctx(2).base(0).global("t", 0.5), a, x);
        assertThat(out).containsExactly(new float[]{0.25f, 0.5f, -0.5f, 1}, within(1e-7f));
        // the base may be listed second
        out = ArrayTensors.merge(new NearSwapMerge(), new Ctx(2).base(1).global("t", 0.5), x, a);
        assertThat(out).containsExactly(new float[]{0.25f, 0.5f, -0.5f, 1}, within(1e-7f));
        // t = 0: the base
        assertThat(ArrayTensors.merge(new NearSwapMerge(), new Ctx(2).base(0).global("t", 0), a, x)).containsExactly(a);
        // a tensor only the base has is kept
        assertThat(ArrayTensors.merge(new NearSwapMerge(), new Ctx(1).base(0).global("t", 0.5), x)).containsExactly(x);
    }

    @Test
    void ramAveragesOnlyTheActiveTaskVectors() {
        // T1 = [1, 1, 0, 1e-6], T2 = [0, 3, 0, 0]: element 0 only model 1 -> its full delta; element 1 both ->
        // their mean; elements 2, 3 nobody active (1e-6 < epsilon) -> the base
        float[] b = {1, 1, 1, 1};
        float[] x1 = {2, 2, 1, 1 + 1e-6f};
        float[] x2 = {1, 4, 1, 1};
        float[] out = ArrayTensors.merge(new RamMerge(), new Ctx(3).base(0), b, x1, x2);
        assertThat(out).containsExactly(new float[]{2, 3, 1, 1}, within(1e-6f));
    }

    @Test
    void ramplusTlAmplifiesUniqueChangesByTheSharedRatio() {
        // T1 = [1, 1, 0, 2], T2 = [0, 3, 5, 0]; model 1: unique {0, 3}, shared {1} -> ρ = 0.5, λ = 1 + 0.5·0.5;
        // model 2: unique {2}, shared {1} -> ρ = 1, λ = 1 + 0.5·1 (r = 0.5, alpha = 1)
        float[] b = {1, 1, 1, 1};
        float[] x1 = {2, 2, 1, 3};
        float[] x2 = {1, 4, 6, 1};
        float[] out = ArrayTensors.merge(new RamPlusTlMerge(), new Ctx(3).base(0).global("r", 0.5).global("alpha", 1),
                b, x1, x2);
        assertThat(out).containsExactly(new float[]{1 + 1.25f, 1 + 2, 1 + 5 * 1.5f, 1 + 2 * 1.25f}, within(1e-6f));
        // with the default alpha 0.2 both ratios are clamped: λ = 1 + 0.1·0.2 = 1.02
        out = ArrayTensors.merge(new RamPlusTlMerge(), new Ctx(3).base(0), b, x1, x2);
        assertThat(out).containsExactly(new float[]{2.02f, 3, 1 + 5 * 1.02f, 1 + 2 * 1.02f}, within(1e-6f));
    }

    @Test
    void ramplusTlWithNoUniqueElementsGivesNoInfinity() {
        // every active element shared: ρ = shared / epsilon, clamped to alpha
        assertThat(RamPlusTlMerge.lambda(10, 0, 0.1, 0.2, 1e-5)).isEqualTo(1.02, within(1e-12));
        float[] b = {0, 0};
        float[] out = ArrayTensors.merge(new RamPlusTlMerge(), new Ctx(3).base(0), b, new float[]{1, 1},
                new float[]{3, 1});
        assertThat(out).containsExactly(2f, 1f);
    }

    @Test
    void arceeFusionKeepsOnlyChangesAboveTheUpperFence() {
        // a 1-D tensor is one row, so I = kl·|Δ| and the fence is kl·(q50 + 1.5·IQR) of |Δ| = [1..7, 100]:
        // sorted index quantiles q25 = 2, q50 = 4, q75 = 6 -> fence 10: only the change of 100 survives
        float[] a = new float[8];
        float[] x = {1, -2, 3, -4, 5, -6, 7, 100};
        float[] out = ArrayTensors.merge(new ArceeFusionMerge(), new Ctx(2).base(0), a, x);
        assertThat(out).containsExactly(0, 0, 0, 0, 0, 0, 0, 100);
    }

    @Test
    void arceeFusionScalesChangesByTheRowsDivergence() {
        // row 0 changes every element by 1, but softmax is shift-invariant: KL = 0, so I = 0 and nothing is kept;
        // row 1: I = kl·[5, 0.1 ×7]. Sorted I of all 16: q25 = q50 = 0, q75 = 0.1·kl -> fence 0.15·kl: only the 5
        float[] a = new float[16];
        float[] x = new float[16];
        java.util.Arrays.fill(x, 0, 8, 1f);
        java.util.Arrays.fill(x, 8, 16, 0.1f);
        x[8] = 5;
        float[] out = ArrayTensors.merge(new ArceeFusionMerge(), new Ctx(2).base(0), new long[]{2, 8}, a, x);
        float[] expected = new float[16];
        expected[8] = 5;
        assertThat(out).containsExactly(expected);
        assertThat(ArceeFusionMerge.divergence(x, a, 0, 8)).isZero();
        assertThat(ArceeFusionMerge.divergence(x, a, 8, 8)).isPositive();
    }

    @Test
    void arceeFusionOfIdenticalModelsIsTheBase() {
        float[] a = ArrayTensors.gaussian(50, 64 * 32);
        float[] out = ArrayTensors.merge(new ArceeFusionMerge(), new Ctx(2).base(0), new long[]{64, 32}, a, a.clone());
        ArrayTensors.assertAllClose(out, a, 0);
    }

    @Test
    void arceeFusionSubsamplesLargeTensorsReproduciblyForASeed() {
        // 1 048 576 elements > 10⁶: the quantiles come from a random 10⁶-element subsample keyed by the seed
        int rows = 1024;
        int cols = 1024;
        float[] a = ArrayTensors.gaussian(60, rows * cols);
        float[] x = ArrayTensors.perturb(a, 61, 0.05f);
        long[] shape = {rows, cols};
        float[] s1 = ArrayTensors.merge(new ArceeFusionMerge(), new Ctx(2).base(0).seed(7), shape, a, x);
        float[] s2 = ArrayTensors.merge(new ArceeFusionMerge(), new Ctx(2).base(0).seed(7), shape, a, x);
        ArrayTensors.assertAllClose(s1, s2, 0);
        // every output element is either the base's or the other model's value
        int kept = 0;
        for (int i = 0; i < s1.length; i++) {
            boolean isA = s1[i] == a[i];
            boolean isX = s1[i] == a[i] + (x[i] - a[i]);
            assertThat(isA || isX).as("element %d", i).isTrue();
            if (!isA) {
                kept++;
            }
        }
        // Gaussian changes: |Δ| is half-normal with quartiles 0.32σ, 0.67σ, 1.15σ, so the fence is 1.92σ and
        // P(|Z| > 1.92) = 5.5% are kept (the per-row KL factor spreads this a little)
        assertThat(kept).isBetween(s1.length * 4 / 100, s1.length * 8 / 100);
    }

    @Test
    void emptyTensorsAreMergedWithoutTouchingAnything() {
        long[] shape = {0, 4};
        float[] none = new float[0];
        for (var m : new dev.amalgam.merge.MergeMethod[]{new ArceeFusionMerge(), new RamPlusTlMerge(),
                new SlerpMerge(), new NuSlerpMerge(), new ModelStockMerge(), new KarcherMerge()}) {
            Ctx ctx = new Ctx(m instanceof ModelStockMerge ? 3 : 2).global("t", 0.5).input(0, "weight", 1)
                    .input(1, "weight", 1);
            if (!(m instanceof NuSlerpMerge) && !(m instanceof KarcherMerge)) {
                ctx.base(0);
            }
            float[][] in = m instanceof ModelStockMerge ? new float[][]{none, none, none} : new float[][]{none, none};
            assertThat(ArrayTensors.merge(m, ctx, shape, in)).as(m.info().name()).isEmpty();
        }
    }
}
