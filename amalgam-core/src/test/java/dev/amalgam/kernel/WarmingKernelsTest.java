package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warming kernels give the reference's results before and after they switch to compiled vector code. */
class WarmingKernelsTest {
    @Test
    void switchesToVectorOnceCompiledWithoutChangingResults() throws InterruptedException {
        WarmingKernels k = new WarmingKernels(new VectorKernels(), 0, 0);
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
    void queuesAnOperationOnlyOnceItsScalarTimeWouldPayForTheWarmUp() throws InterruptedException {
        long threshold = 50_000_000L; // 50 ms of scalar time
        WarmingKernels k = new WarmingKernels(new VectorKernels(), threshold, Long.MAX_VALUE);
        int n = 4000;
        float[] a = new float[n];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.01f - 7;
            expected[i] = a[i] * 0.75f;
        }
        float[] got = new float[n];
        k.scale(got, a, 0.75f, n);
        assertThat(k.isQueued(WarmingKernels.Op.SCALE)).as("after one short call").isFalse();
        long t0 = System.nanoTime();
        long deadline = t0 + 60_000_000_000L;
        while (!k.isQueued(WarmingKernels.Op.SCALE) && System.nanoTime() < deadline) {
            k.scale(got, a, 0.75f, n);
        }
        long spent = System.nanoTime() - t0;
        assertThat(k.isQueued(WarmingKernels.Op.SCALE)).as("queued within a minute of calls").isTrue();
        assertThat(spent).as("calls made before the warm-up was queued, ns").isGreaterThanOrEqualTo(threshold / 2);
        assertThat(got).containsExactly(expected);
        assertThat(k.isQueued(WarmingKernels.Op.MUL)).as("an operation never called").isFalse();
        byte[] bf16 = new byte[2 * n];
        for (int i = 0; i < 2000; i++) {
            k.toFloat(dev.amalgam.tensor.DType.BF16, java.lang.foreign.MemorySegment.ofArray(bf16), 0, got, 0, n);
        }
        assertThat(k.isQueued(WarmingKernels.Op.BF16_DECODE)).as("a conversion under its own threshold").isFalse();
        k.scale(got, a, 0.75f, n);
        while (!k.isWarm(WarmingKernels.Op.SCALE) && System.nanoTime() < deadline + 60_000_000_000L) {
            Thread.sleep(20);
        }
        assertThat(k.isWarm(WarmingKernels.Op.SCALE)).as("compiled").isTrue();
        java.util.Arrays.fill(got, 0f);
        k.scale(got, a, 0.75f, n);
        assertThat(got).containsExactly(expected);
    }

    @Test
    void aHeavyUseHintSwitchesOperationsToVectorOnceTheirTrialsRunCompiledWithTheSameResults() {
        WarmingKernels k = new WarmingKernels(new VectorKernels(), Long.MAX_VALUE, Long.MAX_VALUE);
        ScalarKernels ref = new ScalarKernels();
        int n = 1000 + 3;
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.37f - 3;
            b[i] = (float) Math.sin(i);
        }
        float[] expected = new float[n];
        ref.blend(expected, a, 0.3f, b, 0.7f, n);
        float[] got = new float[n];
        k.blend(got, a, 0.3f, b, 0.7f, n);
        assertThat(got).containsExactly(expected);
        assertThat(k.isQueued(WarmingKernels.Op.BLEND)).as("without the hint, under the threshold").isFalse();
        k.expectHeavyUse();
        // a call too short to be a trial stays scalar; longer calls are trials now and then, with the same bits
        java.util.Arrays.fill(got, 0f);
        k.blend(got, a, 0.3f, b, 0.7f, n);
        assertThat(got).containsExactly(expected);
        int big = WarmingKernels.TRIAL_ELEMENTS * 2 + 5;
        float[] x = new float[big];
        float[] y = new float[big];
        for (int i = 0; i < big; i++) {
            x[i] = (float) Math.cos(i) * 7;
            y[i] = i * 1e-3f - 2;
        }
        float[] bigExpected = new float[big];
        ref.mul(bigExpected, x, y, big);
        float[] bigGot = new float[big];
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!k.isWarm(WarmingKernels.Op.MUL) && System.nanoTime() < deadline) {
            java.util.Arrays.fill(bigGot, 0f);
            k.mul(bigGot, x, y, big);
            assertThat(bigGot).containsExactly(bigExpected);
        }
        assertThat(k.isWarm(WarmingKernels.Op.MUL)).as("a trial ran at compiled speed within two minutes").isTrue();
        java.util.Arrays.fill(bigGot, 0f);
        k.mul(bigGot, x, y, big);
        assertThat(bigGot).as("the compiled vector kernel").containsExactly(bigExpected);
        byte[] bf16 = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            short s = dev.amalgam.tensor.Conversions.floatToBf16(a[i]);
            bf16[2 * i] = (byte) s;
            bf16[2 * i + 1] = (byte) (s >> 8);
        }
        var seg = java.lang.foreign.MemorySegment.ofArray(bf16);
        float[] decodedRef = new float[n];
        float[] decoded = new float[n];
        ref.toFloat(dev.amalgam.tensor.DType.BF16, seg, 0, decodedRef, 0, n);
        k.toFloat(dev.amalgam.tensor.DType.BF16, seg, 0, decoded, 0, n);
        assertThat(decoded).containsExactly(decodedRef);
        assertThat(k.isQueued(WarmingKernels.Op.BLEND)).as("no warm-up thread work is queued").isFalse();
    }
}
