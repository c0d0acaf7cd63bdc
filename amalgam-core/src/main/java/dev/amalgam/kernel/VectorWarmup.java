package dev.amalgam.kernel;

import dev.amalgam.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Drives one vector kernel until the JIT has compiled it: calls on short arrays (few loop iterations per call, so
 * the slow uncompiled phase costs little while the invocation and back-edge counters climb to C2's thresholds),
 * with a timed probe on a longer array every so often. A probe under {@link #COMPILED_NS_PER_ELEMENT} can only
 * come from compiled code: uncompiled vector code costs about a microsecond per element.
 */
final class VectorWarmup {
    private static final int WARM = 256;
    private static final int PROBE = 4096;
    static final double COMPILED_NS_PER_ELEMENT = 4.0;
    /** Scratch float64 arrays for the wide operations: shared, as their values never matter (only compilation). */
    private static final double[] WIDE_ACC = new double[PROBE];
    private static final double[] WIDE_COEF = new double[PROBE];
    /** Counters for {@code scanBucket} (its values never matter, only compilation). */
    private static final long[] SCAN_COUNTS = new long[1 << 16];
    /** A bit mask for {@code keepIfBitSet}, one bit per element of the longest call and a word to spare. */
    private static final long[] BITS = new long[PROBE / 64 + 1];

    static {
        java.util.Arrays.fill(BITS, 0x5555_5555_5555_5555L);
    }

    private VectorWarmup() {
    }

    /** Returns true once {@code op} runs compiled, false when {@code timeoutNanos} passed first. */
    static boolean warm(VectorKernels k, WarmingKernels.Op op, long timeoutNanos) {
        float[] a = new float[PROBE];
        float[] b = new float[PROBE];
        float[] c = new float[PROBE];
        for (int i = 0; i < PROBE; i++) {
            a[i] = 0.001f * i - 1;
            b[i] = 0.5f - 0.0003f * i;
            c[i] = 0.25f;
        }
        float[][] xs = {a, b, c};
        float[] w = {0.2f, 0.3f, 0.5f};
        MemorySegment bytes = Arena.ofAuto().allocate(2L * PROBE, 64);
        long deadline = System.nanoTime() + timeoutNanos;
        double sink = 0;
        for (int round = 0; System.nanoTime() < deadline; round++) {
            for (int i = 0; i < 128; i++) {
                sink += call(k, op, WARM, a, b, c, xs, w, bytes);
            }
            long t0 = System.nanoTime();
            sink += call(k, op, PROBE, a, b, c, xs, w, bytes);
            long ns = System.nanoTime() - t0;
            if (ns < COMPILED_NS_PER_ELEMENT * PROBE) {
                return sink != 12345.678; // always true; keeps the calls from being optimized away
            }
        }
        return false;
    }

    private static double call(VectorKernels k, WarmingKernels.Op op, int n, float[] a, float[] b, float[] c,
                               float[][] xs, float[] w, MemorySegment bytes) {
        switch (op) {
            case BF16_DECODE -> k.toFloat(DType.BF16, bytes, 0, c, 0, n);
            case F16_DECODE -> k.toFloat(DType.F16, bytes, 0, c, 0, n);
            case BF16_ENCODE -> k.fromFloat(DType.BF16, a, 0, n, bytes, 0);
            case F16_ENCODE -> k.fromFloat(DType.F16, a, 0, n, bytes, 0);
            case WEIGHTED_SUM -> k.weightedSum(c, xs, w, 3, n);
            case DIVIDE -> k.divide(c, a, 1.5f, n);
            case QUOTIENT -> k.quotient(c, a, b, n);
            case SCALE -> k.scale(c, a, 0.5f, n);
            case AXPY -> k.axpy(c, a, 0.5f, n);
            case ADD -> k.add(c, a, b, n);
            case SUB -> k.sub(c, a, b, n);
            case MUL -> k.mul(c, a, b, n);
            case LERP -> k.lerp(c, a, b, 0.3f, n);
            case BLEND -> k.blend(c, a, 0.3f, b, 0.7f, n);
            case ABS -> k.abs(c, a, n);
            case NEAR_SWAP -> k.nearSwap(c, a, b, 0.01f, n);
            case AXPY_WIDE -> k.axpyWide(WIDE_ACC, 0, a, 0.5, n);
            case FMA_WIDE -> k.fmaWide(WIDE_ACC, 0, a, WIDE_COEF, 0, n);
            case NARROW -> k.narrow(c, WIDE_COEF, n);
            case WIDEN -> k.widen(WIDE_ACC, a, n);
            case AXPY_DIFF_WIDE -> k.axpyDiffWide(WIDE_ACC, 0.5, a, b, n);
            case NARROW_AXPY -> k.narrowAxpy(c, a, 0.5, WIDE_COEF, n);
            case DECAY_WIDE -> k.decayWide(WIDE_ACC, 0.9, a, 0.1, n);
            case NARROW_SCALED -> k.narrowScaled(c, WIDE_COEF, 0.5, n);
            case WIDEN_SUB -> k.widenSub(WIDE_ACC, a, b, n);
            case ADD_IF_ABOVE -> k.addIfAbove(WIDE_ACC, WIDE_COEF, a, b, 0.01f, n);
            case MEAN_OR_BASE -> k.meanOrBase(c, a, WIDE_ACC, WIDE_COEF, n);
            case AGREE_SUM -> k.agreeSum(c, xs[2], b, a, 0.5f, n);
            case AGREE_SCALED_SUM -> k.agreeScaledSum(c, xs[2], b, a, 0.5f, n);
            case AT_LEAST -> k.atLeast(c, a, 1e-6f, n);
            case OR_IF_ZERO -> k.orIfZero(c, a, 1f, n);
            case KEEP_LARGER_MAGNITUDE -> k.keepLargerMagnitude(c, c, a, n); // aliased outputs: a and b stay as they are
            case COUNT_ACTIVE -> {
                long[] counts = new long[2];
                k.countActive(counts, a, b, 0.01f, WIDE_COEF, n);
                return counts[0] + counts[1];
            }
            case RAM_PLUS_STEP -> k.ramPlusStep(WIDE_ACC, WIDE_COEF, a, b, 0.01f, 1.1, n);
            case NARROW_ADD_OR_BASE -> k.narrowAddOrBase(c, a, WIDE_ACC, WIDE_COEF, n);
            case FUSE_ABOVE -> k.fuseAbove(c, a, b, 0.7f, 0.3f, 0, n);
            case FISHER_STEP -> k.fisherStep(WIDE_ACC, WIDE_COEF, a, b, 0.5, 1e-6, n);
            case NARROW_RATIO_OR -> k.narrowRatioOr(c, WIDE_ACC, WIDE_COEF, WIDE_ACC, 2.0, n);
            case HASH_MASK -> k.keepIfHashBelow(c, n, 0x1234L, 77L, 1L << 52);
            case BIT_MASK -> k.keepIfBitSet(c, n, BITS, 3);
            case MAGNITUDE_MASK -> k.keepIfMagnitudeAtLeast(c, n, 0x3F000000);
            case SCAN_BUCKET -> {
                // the bucket of 0.5's magnitude, which a few of a's values fall in (mostly the hit-free path)
                return k.scanBucket(a, n, 0, 0x3F00, SCAN_COUNTS, null, null, 0);
            }
            case DOT -> {
                return k.dot(a, b, n);
            }
            case SUM_SQUARES -> {
                return k.sumSquares(a, n);
            }
            case SUM_ABS -> {
                return k.sumAbs(a, n);
            }
        }
        return c[n - 1];
    }
}
