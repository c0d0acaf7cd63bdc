package dev.amalgam.lora.combine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.lora.combine.CombinationType.Primitive;
import dev.amalgam.lora.combine.TaskPrimitives.MajoritySign;
import dev.amalgam.merge.random.CounterRandom;
import org.junit.jupiter.api.Test;

/** PEFT's merge_utils primitives on hand-computed examples (methods.md §1.6). */
class TaskPrimitivesTest {
    private static final CounterRandom RNG = new CounterRandom(1, "t");

    @Test
    void magnitudePruneKeepsExactlyFloorDensityTimesN() {
        assertThat(MagnitudeSelection.keepTop(new float[]{1, -2, 3, 0.5f}, 0.5)).containsExactly(0, -2, 3, 0);
        // ties at the threshold: the lower indices win, and exactly k = 2 survive
        assertThat(MagnitudeSelection.keepTop(new float[]{1, -1, 1, 0.5f}, 0.5)).containsExactly(1, -1, 0, 0);
        assertThat(MagnitudeSelection.keepTop(new float[]{1, 2, 3}, 0.2)).containsExactly(0, 0, 0);
        assertThat(MagnitudeSelection.keepTop(new float[]{1, 2, 3}, 1.0)).containsExactly(1, 2, 3);
    }

    @Test
    void tiesPrunesElectsOnUnweightedStackAndAveragesAgreeing() {
        float[][] xs = {{1, -2, 3, 0.5f}, {-3, 1, 2, -0.1f}};
        // pruned: [0,-2,3,0], [-3,0,2,0]; total votes [-3,-2,5,0] elect [-,-,+,+]
        // j0: only x2 agrees -> 0.5·-3; j1: x1 -> -2; j2: (3 + 0.5·2)/2; j3: zeros never agree -> 0
        float[] got = TaskPrimitives.combine(Primitive.TIES, xs, new double[]{1, 0.5}, 0.5, MajoritySign.TOTAL, RNG);
        assertThat(got).containsExactly(-1.5f, -2f, 2f, 0f);
    }

    @Test
    void majoritySignTotalVersusFrequency() {
        float[][] xs = {{5}, {-1}, {-1}};
        double[] w = {1, 1, 1};
        assertThat(TaskPrimitives.combine(Primitive.TIES, xs, w, 1, MajoritySign.TOTAL, RNG)).containsExactly(5f);
        assertThat(TaskPrimitives.combine(Primitive.TIES, xs, w, 1, MajoritySign.FREQUENCY, RNG)).containsExactly(-1f);
    }

    @Test
    void magnitudePruneCombinationIsWeightedSumOfPruned() {
        float[][] xs = {{1, -2, 3, 0.5f}, {-3, 1, 2, -0.1f}};
        float[] got = TaskPrimitives.combine(Primitive.MAGNITUDE_PRUNE, xs, new double[]{1, 0.5}, 0.5,
                MajoritySign.TOTAL, RNG);
        assertThat(got).containsExactly(-1.5f, -2f, 4f, 0f);
    }

    @Test
    void dareKeepsAboutDensityRescaledAndIsReproducible() {
        int n = 20000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 1 + i % 5;
        }
        float[] got = TaskPrimitives.combine(Primitive.DARE_LINEAR, new float[][]{x}, new double[]{1}, 0.3,
                MajoritySign.TOTAL, RNG);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (got[i] != 0) {
                kept++;
                assertThat(got[i]).isCloseTo((float) (x[i] / 0.3), within(1e-5f));
            }
        }
        assertThat(kept / (double) n).isCloseTo(0.3, within(0.015));
        assertThat(TaskPrimitives.combine(Primitive.DARE_LINEAR, new float[][]{x}, new double[]{1}, 0.3,
                MajoritySign.TOTAL, new CounterRandom(1, "t"))).containsExactly(got);
        assertThat(TaskPrimitives.combine(Primitive.DARE_LINEAR, new float[][]{x}, new double[]{1}, 0.3,
                MajoritySign.TOTAL, new CounterRandom(2, "t"))).isNotEqualTo(got);
    }
}
