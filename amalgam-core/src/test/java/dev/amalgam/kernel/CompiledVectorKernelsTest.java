package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The differential checks again, after the JIT has compiled the vector kernels: C2's intrinsics are different
 * code from the Vector API's Java fallback that the other tests mostly exercise, and they are what a merge runs.
 */
class CompiledVectorKernelsTest {
    private static final VectorKernels VECTOR = new VectorKernels();

    @Test
    void compiledConversionsAndArithmeticMatchTheReference() {
        int compiled = 0;
        WarmingKernels.Op[] ops = {WarmingKernels.Op.BF16_DECODE, WarmingKernels.Op.BF16_ENCODE,
                WarmingKernels.Op.F16_DECODE, WarmingKernels.Op.F16_ENCODE, WarmingKernels.Op.WEIGHTED_SUM,
                WarmingKernels.Op.LERP, WarmingKernels.Op.DOT};
        for (WarmingKernels.Op op : ops) {
            if (VectorWarmup.warm(VECTOR, op, 60_000_000_000L)) {
                compiled++;
            }
        }
        System.out.println("vector kernels compiled before the comparison: " + compiled + " of " + ops.length);
        VectorKernelsTest t = new VectorKernelsTest();
        t.sweepAllFloats(4099);
        t.everyHalfPrecisionPatternDecodesAlike();
        t.f16EncodingIsTheJdksRoundToNearestEvenAtEveryBoundary();
        for (int n : new int[]{0, 1, 17, 4097, 70000}) {
            t.narrowingConversionsMatch(n);
            t.wideningConversionsMatch(n);
            t.arithmeticMatches(n);
            t.reductionsMatch(n);
            t.tiesAgreementSumMatches(n);
            t.bitMaskMatches(n);
            t.fisherMatches(n);
            t.ramPlusMatches(n);
        }
        assertThat(compiled).as("kernels that reached compiled speed").isPositive();
    }
}
