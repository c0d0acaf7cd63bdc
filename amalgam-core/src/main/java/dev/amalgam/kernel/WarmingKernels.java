package dev.amalgam.kernel;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The vector kernels, used operation by operation once the JIT has compiled them, and the scalar reference until
 * then. Vector API code is fast only after C2 has intrinsified it: interpreted or C1-compiled, every lane
 * operation allocates and a chunk converts at about a million elements per second, a thousand times slower than
 * compiled and far slower than the scalar loop (measured on this project's machine: the first 13 M elements of a
 * bf16 conversion took 7 s on a loaded 2-core VM, then 15 G elements/s). A daemon thread therefore runs each
 * vector operation on small arrays until it is fast, and only then does the merge switch to it; and only for
 * operations that have shown they run on enough data to repay that ({@link #WARM_AFTER_ELEMENTS}). Both paths give the
 * same bits (the differential tests), so the switch never changes an output; it only stops the start-up cost from
 * landing on the merge.
 */
final class WarmingKernels implements Kernels {
    /** The operations that are warmed separately, most used first. */
    enum Op { BF16_DECODE, WEIGHTED_SUM, DIVIDE, BF16_ENCODE, F16_DECODE, F16_ENCODE, SCALE, AXPY, ADD, SUB, MUL, LERP,
        BLEND, ABS, DOT, SUM_SQUARES, SUM_ABS, AGREE_SUM, HASH_MASK, NEAR_SWAP,
        AXPY_WIDE, FMA_WIDE, NARROW, QUOTIENT, WIDEN,
        WIDEN_SUB, ADD_IF_ABOVE, MEAN_OR_BASE, DECAY_WIDE,
        NARROW_SCALED, AXPY_DIFF_WIDE, NARROW_AXPY, BIT_MASK, AGREE_SCALED_SUM, AT_LEAST, OR_IF_ZERO, KEEP_LARGER_MAGNITUDE, FISHER_STEP, NARROW_RATIO_OR, FUSE_ABOVE,
        COUNT_ACTIVE, RAM_PLUS_STEP, NARROW_ADD_OR_BASE }

    private static final Op[] OPS = Op.values();

    private static final int COLD = 0;
    private static final int WARMING = 1;
    private static final int READY = 2;

    private final ScalarKernels scalar = new ScalarKernels();
    private final VectorKernels vector;
    private final AtomicIntegerArray state = new AtomicIntegerArray(OPS.length);
    /** Elements each operation has processed on the scalar path so far (counted only until it is queued). */
    private final AtomicLongArray used = new AtomicLongArray(OPS.length);
    private final long warmAfterElements;
    /** One low-priority daemon thread warms operations in the order a merge first asks for them. */
    private final ExecutorService warmer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "amalgam-kernel-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    /**
     * Elements an operation processes on the scalar path before its warm-up is queued. Compiling one vector operation
     * costs about half a CPU-second (the warm-up thread, plus C2, which also compiles the Vector API's Java fallbacks
     * that the uncompiled warm-up runs), and the merge's workers gain less than that on a few GB: measured with
     * perf on a linear merge of 3 × 1 GB bf16 models (1.45·10⁹ elements decoded), the workers used 4.2 CPU-s with
     * vector kernels and 5.1 with scalar ones, but the JIT and the warm-up thread used 3.6 CPU-s against 1.0, and
     * slerp (eight operations) finished about 1 s later than on the scalar path. So an operation switches only once
     * it has run on enough data to repay its compilation: merges of 3 × 1 GB stay scalar, larger ones go vector
     * after the first 2³⁰ elements of each operation.
     */
    static final long WARM_AFTER_ELEMENTS = 1L << 30;

    WarmingKernels(VectorKernels vector) {
        this(vector, WARM_AFTER_ELEMENTS);
    }

    /** With {@code warmAfterElements} = 0 every operation is queued at its first call (tests). */
    WarmingKernels(VectorKernels vector, long warmAfterElements) {
        this.vector = vector;
        this.warmAfterElements = warmAfterElements;
    }

    int floatLanes() {
        return vector.floatLanes();
    }

    /**
     * True once {@code op} runs compiled. Only operations a merge actually uses are warmed, once they have processed
     * {@link #WARM_AFTER_ELEMENTS} on the scalar path.
     */
    boolean isWarm(Op op) {
        return state.get(op.ordinal()) == READY;
    }

    /** The kernels for {@code op} on a call over {@code n} elements: vector once warm, scalar until then. */
    private Kernels k(Op op, int n) {
        int i = op.ordinal();
        int s = state.get(i);
        if (s == READY) {
            return vector;
        }
        if (s == COLD && used.addAndGet(i, n) >= warmAfterElements) {
            queueWarmUp(op);
        }
        return scalar;
    }

    /** Queues {@code op}'s warm-up unless it is already queued or done. */
    private void queueWarmUp(Op op) {
        int i = op.ordinal();
        if (state.compareAndSet(i, COLD, WARMING)) {
            warmer.execute(() -> {
                if (VectorWarmup.warm(vector, op, 300_000_000_000L)) {
                    state.set(i, READY);
                }
            });
        }
    }

    @Override
    public String description() {
        return vector.description() + "; each operation runs its scalar twin until it has processed "
                + (warmAfterElements == WARM_AFTER_ELEMENTS ? "2^30" : Long.toString(warmAfterElements))
                + " elements and the JIT has compiled its vector code";
    }

    @Override
    public void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        Kernels k = switch (dt) {
            case BF16 -> k(Op.BF16_DECODE, n);
            case F16 -> k(Op.F16_DECODE, n);
            default -> scalar;
        };
        k.toFloat(dt, src, byteOffset, dst, dstOff, n);
    }

    @Override
    public void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        Kernels k = switch (dt) {
            case BF16 -> k(Op.BF16_ENCODE, n);
            case F16 -> k(Op.F16_ENCODE, n);
            default -> scalar;
        };
        k.fromFloat(dt, src, srcOff, n, dst, byteOffset);
    }

    @Override
    public void scale(float[] out, float[] a, float s, int n) {
        k(Op.SCALE, n).scale(out, a, s, n);
    }

    @Override
    public void divide(float[] out, float[] a, float d, int n) {
        k(Op.DIVIDE, n).divide(out, a, d, n);
    }

    @Override
    public void quotient(float[] out, float[] a, float[] b, int n) {
        k(Op.QUOTIENT, n).quotient(out, a, b, n);
    }

    @Override
    public void axpy(float[] acc, float[] x, float w, int n) {
        k(Op.AXPY, n).axpy(acc, x, w, n);
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        k(Op.ADD, n).add(out, a, b, n);
    }

    @Override
    public void sub(float[] out, float[] a, float[] b, int n) {
        k(Op.SUB, n).sub(out, a, b, n);
    }

    @Override
    public void mul(float[] out, float[] a, float[] b, int n) {
        k(Op.MUL, n).mul(out, a, b, n);
    }

    @Override
    public void lerp(float[] out, float[] a, float[] b, float t, int n) {
        k(Op.LERP, n).lerp(out, a, b, t, n);
    }

    @Override
    public void blend(float[] out, float[] a, float wa, float[] b, float wb, int n) {
        k(Op.BLEND, n).blend(out, a, wa, b, wb, n);
    }

    @Override
    public void nearSwap(float[] out, float[] a, float[] x, float t, int n) {
        k(Op.NEAR_SWAP, n).nearSwap(out, a, x, t, n);
    }

    @Override
    public void weightedSum(float[] out, float[][] xs, float[] w, int count, int n) {
        k(Op.WEIGHTED_SUM, n).weightedSum(out, xs, w, count, n);
    }

    @Override
    public void agreeSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        k(Op.AGREE_SUM, n).agreeSum(sum, wsum, total, x, w, n);
    }

    @Override
    public void agreeScaledSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        k(Op.AGREE_SCALED_SUM, n).agreeScaledSum(sum, wsum, total, x, w, n);
    }

    @Override
    public void atLeast(float[] out, float[] a, float lo, int n) {
        k(Op.AT_LEAST, n).atLeast(out, a, lo, n);
    }

    @Override
    public void orIfZero(float[] out, float[] a, float v, int n) {
        k(Op.OR_IF_ZERO, n).orIfZero(out, a, v, n);
    }

    @Override
    public void keepLargerMagnitude(float[] best, float[] bestAbs, float[] x, int n) {
        k(Op.KEEP_LARGER_MAGNITUDE, n).keepLargerMagnitude(best, bestAbs, x, n);
    }

    @Override
    public void keepIfHashBelow(float[] values, int n, long key, long counter, long limit) {
        k(Op.HASH_MASK, n).keepIfHashBelow(values, n, key, counter, limit);
    }

    @Override
    public void keepIfBitSet(float[] values, int n, long[] bits, long offset) {
        k(Op.BIT_MASK, n).keepIfBitSet(values, n, bits, offset);
    }

    @Override
    public void fuseAbove(float[] out, float[] a, float[] x, float k, float t, int off, int n) {
        k(Op.FUSE_ABOVE, n).fuseAbove(out, a, x, k, t, off, n);
    }

    @Override
    public void abs(float[] out, float[] a, int n) {
        k(Op.ABS, n).abs(out, a, n);
    }

    @Override
    public void axpyWide(double[] acc, int off, float[] x, double k, int n) {
        k(Op.AXPY_WIDE, n).axpyWide(acc, off, x, k, n);
    }

    @Override
    public void fmaWide(double[] acc, int off, float[] x, double[] c, int cOff, int n) {
        k(Op.FMA_WIDE, n).fmaWide(acc, off, x, c, cOff, n);
    }

    @Override
    public void decayWide(double[] acc, double d, float[] x, double w, int n) {
        k(Op.DECAY_WIDE, n).decayWide(acc, d, x, w, n);
    }

    @Override
    public void narrowScaled(float[] out, double[] a, double s, int n) {
        k(Op.NARROW_SCALED, n).narrowScaled(out, a, s, n);
    }

    @Override
    public void axpyDiffWide(double[] acc, double w, float[] a, float[] b, int n) {
        k(Op.AXPY_DIFF_WIDE, n).axpyDiffWide(acc, w, a, b, n);
    }

    @Override
    public void narrowAxpy(float[] out, float[] b, double s, double[] d, int n) {
        k(Op.NARROW_AXPY, n).narrowAxpy(out, b, s, d, n);
    }

    @Override
    public void widen(double[] out, float[] a, int n) {
        k(Op.WIDEN, n).widen(out, a, n);
    }

    @Override
    public void widenSub(double[] out, float[] a, float[] b, int n) {
        k(Op.WIDEN_SUB, n).widenSub(out, a, b, n);
    }

    @Override
    public void narrow(float[] out, double[] a, int n) {
        k(Op.NARROW, n).narrow(out, a, n);
    }

    @Override
    public void addIfAbove(double[] sum, double[] count, float[] x, float[] b, float eps, int n) {
        k(Op.ADD_IF_ABOVE, n).addIfAbove(sum, count, x, b, eps, n);
    }

    @Override
    public void meanOrBase(float[] out, float[] b, double[] sum, double[] count, int n) {
        k(Op.MEAN_OR_BASE, n).meanOrBase(out, b, sum, count, n);
    }

    @Override
    public void fisherStep(double[] num, double[] den, float[] x, float[] f, double c, double floor, int n) {
        k(Op.FISHER_STEP, n).fisherStep(num, den, x, f, c, floor, n);
    }

    @Override
    public void narrowRatioOr(float[] out, double[] num, double[] den, double[] alt, double s, int n) {
        k(Op.NARROW_RATIO_OR, n).narrowRatioOr(out, num, den, alt, s, n);
    }

    @Override
    public void countActive(long[] counts, float[] x, float[] b, float eps, double[] c, int n) {
        k(Op.COUNT_ACTIVE, n).countActive(counts, x, b, eps, c, n);
    }

    @Override
    public void ramPlusStep(double[] sum, double[] c, float[] x, float[] b, float eps, double lambda, int n) {
        k(Op.RAM_PLUS_STEP, n).ramPlusStep(sum, c, x, b, eps, lambda, n);
    }

    @Override
    public void narrowAddOrBase(float[] out, float[] b, double[] sum, double[] c, int n) {
        k(Op.NARROW_ADD_OR_BASE, n).narrowAddOrBase(out, b, sum, c, n);
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        return k(Op.DOT, n).dot(a, b, n);
    }

    @Override
    public double sumSquares(float[] a, int n) {
        return k(Op.SUM_SQUARES, n).sumSquares(a, n);
    }

    @Override
    public double sumAbs(float[] a, int n) {
        return k(Op.SUM_ABS, n).sumAbs(a, n);
    }
}
