package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warming kernels give the reference's results before and after they switch to compiled vector code. */
class WarmingKernelsTest {
    @Test
    void switchesToVectorOnceCompiledWithoutChangingResults() throws InterruptedException {
        WarmingKernels k = new WarmingKernels(new VectorKernels(), 0);
        ScalarKernels ref = new ScalarKernels();
        int n = 5000;
        float[][] xs = new float[3][n];
        for (int i = 0; i < n; i++) {
            xs[0][i] = i * 0.37f - 11;
            xs[1][i] = (float) Math.sin(i);
            xs[2][i] = 1f / (i + 1);
        }
        float[] w = {0.2f, -0.3f, 0.5f};
        float[] expected = new float[n];
        ref.weightedSum(expected, xs, w, 3, n);
        float[] got = new float[n];
        assertThat(k.isWarm(WarmingKernels.Op.WEIGHTED_SUM)).isFalse();
        k.weightedSum(got, xs, w, 3, n); // the first call queues the warm-up and runs the scalar twin
        assertThat(got).containsExactly(expected);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!k.isWarm(WarmingKernels.Op.WEIGHTED_SUM) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(k.isWarm(WarmingKernels.Op.WEIGHTED_SUM)).as("compiled within two minutes").isTrue();
        assertThat(k.isWarm(WarmingKernels.Op.DOT)).as("operations never used are never warmed").isFalse();
        java.util.Arrays.fill(got, 0f);
        k.weightedSum(got, xs, w, 3, n);
        assertThat(got).containsExactly(expected);
    }

    @Test
    void queuesAnOperationOnlyOnceItHasProcessedEnoughElements() throws InterruptedException {
        WarmingKernels k = new WarmingKernels(new VectorKernels(), 10_000);
        int n = 4000;
        float[] a = new float[n];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.01f - 7;
            expected[i] = a[i] * 0.75f;
        }
        float[] got = new float[n];
        k.scale(got, a, 0.75f, n);
        k.scale(got, a, 0.75f, n); // 8,000 elements: still below the threshold
        Thread.sleep(200);
        assertThat(k.isWarm(WarmingKernels.Op.SCALE)).as("8,000 of 10,000 elements").isFalse();
        k.scale(got, a, 0.75f, n); // 12,000: queued now
        assertThat(got).containsExactly(expected);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!k.isWarm(WarmingKernels.Op.SCALE) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(k.isWarm(WarmingKernels.Op.SCALE)).as("compiled within two minutes").isTrue();
        java.util.Arrays.fill(got, 0f);
        k.scale(got, a, 0.75f, n);
        assertThat(got).containsExactly(expected);
    }
}
