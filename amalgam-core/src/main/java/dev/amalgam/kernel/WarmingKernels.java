package dev.amalgam.kernel;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The vector kernels, used operation by operation once the JIT has compiled them, and the scalar reference until
 * then. Vector API code is fast only after C2 has intrinsified it: interpreted or C1-compiled, every lane
 * operation allocates and a chunk converts at about a million elements per second, a thousand times slower than
 * compiled and far slower than the scalar loop (measured on this project's machine: the first 13 M elements of a
 * bf16 conversion took 7 s on a loaded 2-core VM, then 15 G elements/s). A daemon thread therefore runs each
 * vector operation on small arrays until it is fast, and only then does the merge switch to it; and only for
 * operations that have shown they have enough work to repay that ({@link #WARM_AFTER_NANOS}). Both paths give the
 * same bits (the differential tests), so the switch never changes an output; it only stops the start-up cost from
 * landing on the merge.
 */
final class WarmingKernels implements Kernels {
    /** The operations that are warmed separately, most used first. */
    enum Op { BF16_DECODE, WEIGHTED_SUM, DIVIDE, BF16_ENCODE, F16_DECODE, F16_ENCODE, SCALE, AXPY, ADD, SUB, MUL, LERP,
        BLEND, ABS, DOT, SUM_SQUARES, SUM_ABS, AGREE_SUM, HASH_MASK, NEAR_SWAP,
        AXPY_WIDE, FMA_WIDE, NARROW, QUOTIENT, WIDEN,
        WIDEN_SUB, ADD_IF_ABOVE, MEAN_OR_BASE, DECAY_WIDE,
        NARROW_SCALED, AXPY_DIFF_WIDE, NARROW_AXPY, BIT_MASK, AGREE_SCALED_SUM, AT_LEAST, OR_IF_ZERO,
        KEEP_LARGER_MAGNITUDE, FISHER_STEP, NARROW_RATIO_OR, FUSE_ABOVE, MAGNITUDE_MASK, SCAN_BUCKET,
        COUNT_ACTIVE, RAM_PLUS_STEP, NARROW_ADD_OR_BASE }

    private static final Op[] OPS = Op.values();

    private static final int COLD = 0;
    private static final int WARMING = 1;
    private static final int READY = 2;

    private final ScalarKernels scalar = new ScalarKernels();
    private final VectorKernels vector;
    private final AtomicIntegerArray state = new AtomicIntegerArray(OPS.length);
    /** Nanoseconds each operation has spent on the scalar path so far, over all threads. */
    private final AtomicLongArray scalarNanos = new AtomicLongArray(OPS.length);
    private final long warmAfterNanos;
    private final long conversionWarmAfterNanos;
    /** Set by {@link #expectHeavyUse}: uncompiled operations try their vector kernels (see there). */
    private volatile boolean heavy;
    /** {@link System#nanoTime} from which each operation may make its next vector trial. */
    private final AtomicLongArray nextTrial = new AtomicLongArray(OPS.length);
    /** The smallest call that can be a trial: enough elements for its time to tell compiled code from uncompiled. */
    static final int TRIAL_ELEMENTS = 4096;
    /**
     * Time between two vector trials of one uncompiled operation. A trial on a 64 Ki-element chunk costs about
     * 10 ms C1-compiled and 60 ms interpreted, so the trials of one operation take at most a few tens of percent of
     * a worker while C2 works, and none once the kernel runs compiled.
     */
    static final long TRIAL_INTERVAL_NANOS = 50_000_000L;
    /** One low-priority daemon thread warms operations in the order a merge first asks for them. */
    private final ExecutorService warmer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "amalgam-kernel-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    /**
     * Scalar time after which an arithmetic operation's warm-up is queued. Compiling one vector operation costs
     * about half a CPU-second (the warm-up thread, plus C2, which also compiles the Vector API's Java fallbacks that
     * the uncompiled warm-up runs). Whether that pays depends on how much work the operation still has, which is
     * unknown, so this is the ski-rental rule: keep paying the scalar loop's extra cost ("rent") until it adds up to
     * what compiling ("buying") costs, then switch; never more than twice the cost of the better choice in
     * hindsight. On float arrays in cache the vector loops are several times faster (JMH: 6-12x), so nearly all of
     * the scalar time is extra cost and half a second of it is the threshold. Measured on 3 x 1 GB bf16 models,
     * 2 cores: TIES took 13.4 s with scalar arithmetic and 8.9 s with this rule.
     */
    static final long WARM_AFTER_NANOS = 500_000_000L;

    /**
     * The same threshold for the dtype conversions: decoding reads the memory-mapped inputs and is bound by memory,
     * not arithmetic. On a linear merge of 3 x 1 GB (1.45e9 elements decoded) the workers used 5.1 CPU-s with
     * scalar kernels and 4.2 with vector ones, so only about a fifth of the scalar time is extra cost, and the rule
     * asks for five times the arithmetic threshold. Encoding, whose scalar time is arithmetic, was tried under the
     * arithmetic threshold: it then warmed during a 3 x 1 GB slerp without paying back (2.73-3.24 s against
     * 3.05-3.62 s), so it stays here; merges large enough to repay it get vector kernels once compiled anyway
     * ({@link #expectHeavyUse}).
     */
    static final long CONVERSION_WARM_AFTER_NANOS = 5 * WARM_AFTER_NANOS;

    WarmingKernels(VectorKernels vector) {
        this(vector, WARM_AFTER_NANOS, CONVERSION_WARM_AFTER_NANOS);
    }

    /** With both thresholds 0 every operation is queued at its first call (tests). */
    WarmingKernels(VectorKernels vector, long warmAfterNanos, long conversionWarmAfterNanos) {
        this.vector = vector;
        this.warmAfterNanos = warmAfterNanos;
        this.conversionWarmAfterNanos = conversionWarmAfterNanos;
    }

    int floatLanes() {
        return vector.floatLanes();
    }

    /**
     * True once {@code op} runs compiled. Only operations a merge actually uses are warmed, once they have spent
     * {@link #WARM_AFTER_NANOS} ({@link #CONVERSION_WARM_AFTER_NANOS} for conversions) on the scalar path.
     */
    boolean isWarm(Op op) {
        return state.get(op.ordinal()) == READY;
    }

    /** True once {@code op}'s warm-up has been queued (or has finished). */
    boolean isQueued(Op op) {
        return state.get(op.ordinal()) != COLD;
    }

    /**
     * Whether a call of a not yet warm {@code op} on {@code n} elements is a vector trial: only after the heavy-use
     * hint, on calls of at least {@link #TRIAL_ELEMENTS} elements, one every {@link #TRIAL_INTERVAL_NANOS} per
     * operation (see {@link #expectHeavyUse}).
     */
    private boolean trialDue(Op op, int n) {
        if (!heavy || n < TRIAL_ELEMENTS) {
            return false;
        }
        int i = op.ordinal();
        long now = System.nanoTime();
        long next = nextTrial.get(i);
        return now - next >= 0 && nextTrial.compareAndSet(i, next, now + TRIAL_INTERVAL_NANOS);
    }

    /**
     * Runs {@code call} (on {@code n} elements) on the vector kernels once {@code op} is warm. Until then it runs on
     * the scalar twin, timed and charged to {@code op}, or as a timed vector trial, which makes {@code op} warm when
     * it ran at compiled speed.
     */
    private void run(Op op, int n, Consumer<Kernels> call) {
        if (state.get(op.ordinal()) == READY) {
            call.accept(vector);
            return;
        }
        boolean trial = trialDue(op, n);
        long t0 = System.nanoTime();
        call.accept(trial ? vector : scalar);
        settle(op, trial, n, t0);
    }

    /** {@link #run} for the reductions, which return their sum. */
    private double measure(Op op, int n, ToDoubleFunction<Kernels> call) {
        if (state.get(op.ordinal()) == READY) {
            return call.applyAsDouble(vector);
        }
        boolean trial = trialDue(op, n);
        long t0 = System.nanoTime();
        double r = call.applyAsDouble(trial ? vector : scalar);
        settle(op, trial, n, t0);
        return r;
    }

    /** Books a timed call that started at {@code t0}: a scalar one is charged, a vector trial may end the warm-up. */
    private void settle(Op op, boolean trial, int n, long t0) {
        if (!trial) {
            charge(op, t0);
        } else if (System.nanoTime() - t0 < VectorWarmup.COMPILED_NS_PER_ELEMENT * n) {
            state.set(op.ordinal(), READY);
        }
    }

    /** Charges a scalar call of {@code op} that started at {@code t0}; queues the warm-up once it has paid enough. */
    private void charge(Op op, long t0) {
        int i = op.ordinal();
        long threshold = isConversion(op) ? conversionWarmAfterNanos : warmAfterNanos;
        if (scalarNanos.addAndGet(i, System.nanoTime() - t0) >= threshold && state.get(i) == COLD) {
            queueWarmUp(op);
        }
    }

    private static boolean isConversion(Op op) {
        return op == Op.BF16_DECODE || op == Op.BF16_ENCODE || op == Op.F16_DECODE || op == Op.F16_ENCODE;
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

    /**
     * Lets every operation use its vector kernel as soon as the JIT's C2 has compiled it, found out by the
     * workers' own calls: an uncompiled operation runs a timed trial of its vector kernel on one call every
     * {@link #TRIAL_INTERVAL_NANOS} and its scalar twin on the others, and the first trial at compiled speed
     * ({@link VectorWarmup#COMPILED_NS_PER_ELEMENT}) switches it for good. The trials' calls feed the profile and
     * the counters C2 compiles from, so the kernel is compiled from real calls (64 Ki elements, the merge's own
     * memory segments).
     *
     * <p>Why trials, not vector kernels from the start: until C2 has compiled a kernel it runs interpreted or as
     * C1 code, and both run the Vector API's Java fallback, which allocates for every lane operation. On a
     * 64 Ki-element chunk that is 10-60 ms and megabytes of garbage per call. When C2's queue was long, workers
     * ran uncompiled kernels for a second or more (in one 3 x 1 GB DARE-TIES merge C1 compiled
     * {@code VectorKernels.sub} 0.9 s before C2 did; in another, JFR attributed 8.3 GB of allocation to the Vector
     * API fallback under {@code sub}). G1 then grew the heap to 2-3 GB (peak RssAnon 2.3 GiB against the 1.5 GiB
     * bound) and the merge took 8-13 s instead of 4-6 s, in about one run in four. A kernel that C2 compiles again
     * later, after it was found warm, is not watched: that case remains (two DARE-TIES runs in 64 with trials, four
     * in 31 without; JFR put that one's 11 GB of allocation under the blend of {@code keepIfHashBelow}, in C2 code).
     *
     * <p>The ski-rental rule guards against
     * paying for compilations a merge does not earn back, at up to twice the cost of the better choice; a method
     * that knows it is heavy skips the renting. Nor does it wait for the warm-up thread: that thread warms one
     * operation after another, and a TIES merge uses about ten, while the workers' own calls (64 Ki elements
     * each) get a kernel compiled within a few calls. Measured on 3 x 1 GB bf16 models, 2 cores, alternating
     * runs: TIES 7.05-7.06 s with the rule, 6.36-6.46 s with vector kernels from the start; DARE-TIES 7.13-7.44
     * against 5.67-5.99 s (with this hint, 6.25-6.50 and 5.87-6.03 s). Slerp and linear, light per element, are
     * faster with the rule on that size (slerp 2.8 s against 3.7 s) and slower with it on 3 x 4 GB (8.1 s
     * against 6.8 s), so the executor sends the hint from a size that depends on the method.
     */
    @Override
    public void expectHeavyUse() {
        long now = System.nanoTime();
        for (int i = 0; i < OPS.length; i++) {
            nextTrial.set(i, now);
        }
        heavy = true;
    }

    @Override
    public String description() {
        return vector.description() + "; each operation runs its scalar twin until that has taken "
                + warmAfterNanos / 1_000_000 + " ms (conversions " + conversionWarmAfterNanos / 1_000_000
                + " ms) and the JIT has compiled its vector code";
    }

    /** The operation converting {@code dt} ({@code bf16} or {@code f16}), or null: other dtypes stay scalar. */
    private static Op conversion(DType dt, Op bf16, Op f16) {
        return switch (dt) {
            case BF16 -> bf16;
            case F16 -> f16;
            default -> null;
        };
    }

    @Override
    public void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        Op op = conversion(dt, Op.BF16_DECODE, Op.F16_DECODE);
        if (op == null) {
            scalar.toFloat(dt, src, byteOffset, dst, dstOff, n);
            return;
        }
        run(op, n, kk -> kk.toFloat(dt, src, byteOffset, dst, dstOff, n));
    }

    @Override
    public void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        Op op = conversion(dt, Op.BF16_ENCODE, Op.F16_ENCODE);
        if (op == null) {
            scalar.fromFloat(dt, src, srcOff, n, dst, byteOffset);
            return;
        }
        run(op, n, kk -> kk.fromFloat(dt, src, srcOff, n, dst, byteOffset));
    }

    @Override
    public void scale(float[] out, float[] a, float s, int n) {
        run(Op.SCALE, n, kk -> kk.scale(out, a, s, n));
    }

    @Override
    public void divide(float[] out, float[] a, float d, int n) {
        run(Op.DIVIDE, n, kk -> kk.divide(out, a, d, n));
    }

    @Override
    public void quotient(float[] out, float[] a, float[] b, int n) {
        run(Op.QUOTIENT, n, kk -> kk.quotient(out, a, b, n));
    }

    @Override
    public void axpy(float[] acc, float[] x, float w, int n) {
        run(Op.AXPY, n, kk -> kk.axpy(acc, x, w, n));
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        run(Op.ADD, n, kk -> kk.add(out, a, b, n));
    }

    @Override
    public void sub(float[] out, float[] a, float[] b, int n) {
        run(Op.SUB, n, kk -> kk.sub(out, a, b, n));
    }

    @Override
    public void mul(float[] out, float[] a, float[] b, int n) {
        run(Op.MUL, n, kk -> kk.mul(out, a, b, n));
    }

    @Override
    public void lerp(float[] out, float[] a, float[] b, float t, int n) {
        run(Op.LERP, n, kk -> kk.lerp(out, a, b, t, n));
    }

    @Override
    public void blend(float[] out, float[] a, float wa, float[] b, float wb, int n) {
        run(Op.BLEND, n, kk -> kk.blend(out, a, wa, b, wb, n));
    }

    @Override
    public void nearSwap(float[] out, float[] a, float[] x, float t, int n) {
        run(Op.NEAR_SWAP, n, kk -> kk.nearSwap(out, a, x, t, n));
    }

    @Override
    public void weightedSum(float[] out, float[][] xs, float[] w, int count, int n) {
        run(Op.WEIGHTED_SUM, n, kk -> kk.weightedSum(out, xs, w, count, n));
    }

    @Override
    public void agreeSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        run(Op.AGREE_SUM, n, kk -> kk.agreeSum(sum, wsum, total, x, w, n));
    }

    @Override
    public void agreeScaledSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        run(Op.AGREE_SCALED_SUM, n, kk -> kk.agreeScaledSum(sum, wsum, total, x, w, n));
    }

    @Override
    public void atLeast(float[] out, float[] a, float lo, int n) {
        run(Op.AT_LEAST, n, kk -> kk.atLeast(out, a, lo, n));
    }

    @Override
    public void orIfZero(float[] out, float[] a, float v, int n) {
        run(Op.OR_IF_ZERO, n, kk -> kk.orIfZero(out, a, v, n));
    }

    @Override
    public void keepLargerMagnitude(float[] best, float[] bestAbs, float[] x, int n) {
        run(Op.KEEP_LARGER_MAGNITUDE, n, kk -> kk.keepLargerMagnitude(best, bestAbs, x, n));
    }

    @Override
    public void keepIfHashBelow(float[] values, int n, long key, long counter, long limit) {
        run(Op.HASH_MASK, n, kk -> kk.keepIfHashBelow(values, n, key, counter, limit));
    }

    @Override
    public void keepIfBitSet(float[] values, int n, long[] bits, long offset) {
        run(Op.BIT_MASK, n, kk -> kk.keepIfBitSet(values, n, bits, offset));
    }

    @Override
    public void keepIfMagnitudeAtLeast(float[] values, int n, int minBits) {
        run(Op.MAGNITUDE_MASK, n, kk -> kk.keepIfMagnitudeAtLeast(values, n, minBits));
    }

    @Override
    public int scanBucket(float[] values, int n, long offset, int bucket, long[] low, int[] where, char[] lowBits,
                          int next) {
        // through measure's double and back: exact for any int
        return (int) measure(Op.SCAN_BUCKET, n, kk -> kk.scanBucket(values, n, offset, bucket, low, where, lowBits, next));
    }

    @Override
    public void fuseAbove(float[] out, float[] a, float[] x, float k, float t, int off, int n) {
        run(Op.FUSE_ABOVE, n, kk -> kk.fuseAbove(out, a, x, k, t, off, n));
    }

    @Override
    public void abs(float[] out, float[] a, int n) {
        run(Op.ABS, n, kk -> kk.abs(out, a, n));
    }

    @Override
    public void axpyWide(double[] acc, int off, float[] x, double k, int n) {
        run(Op.AXPY_WIDE, n, kk -> kk.axpyWide(acc, off, x, k, n));
    }

    @Override
    public void fmaWide(double[] acc, int off, float[] x, double[] c, int cOff, int n) {
        run(Op.FMA_WIDE, n, kk -> kk.fmaWide(acc, off, x, c, cOff, n));
    }

    @Override
    public void decayWide(double[] acc, double d, float[] x, double w, int n) {
        run(Op.DECAY_WIDE, n, kk -> kk.decayWide(acc, d, x, w, n));
    }

    @Override
    public void narrowScaled(float[] out, double[] a, double s, int n) {
        run(Op.NARROW_SCALED, n, kk -> kk.narrowScaled(out, a, s, n));
    }

    @Override
    public void axpyDiffWide(double[] acc, double w, float[] a, float[] b, int n) {
        run(Op.AXPY_DIFF_WIDE, n, kk -> kk.axpyDiffWide(acc, w, a, b, n));
    }

    @Override
    public void narrowAxpy(float[] out, float[] b, double s, double[] d, int n) {
        run(Op.NARROW_AXPY, n, kk -> kk.narrowAxpy(out, b, s, d, n));
    }

    @Override
    public void widen(double[] out, float[] a, int n) {
        run(Op.WIDEN, n, kk -> kk.widen(out, a, n));
    }

    @Override
    public void widenSub(double[] out, float[] a, float[] b, int n) {
        run(Op.WIDEN_SUB, n, kk -> kk.widenSub(out, a, b, n));
    }

    @Override
    public void narrow(float[] out, double[] a, int n) {
        run(Op.NARROW, n, kk -> kk.narrow(out, a, n));
    }

    @Override
    public void addIfAbove(double[] sum, double[] count, float[] x, float[] b, float eps, int n) {
        run(Op.ADD_IF_ABOVE, n, kk -> kk.addIfAbove(sum, count, x, b, eps, n));
    }

    @Override
    public void meanOrBase(float[] out, float[] b, double[] sum, double[] count, int n) {
        run(Op.MEAN_OR_BASE, n, kk -> kk.meanOrBase(out, b, sum, count, n));
    }

    @Override
    public void fisherStep(double[] num, double[] den, float[] x, float[] f, double c, double floor, int n) {
        run(Op.FISHER_STEP, n, kk -> kk.fisherStep(num, den, x, f, c, floor, n));
    }

    @Override
    public void narrowRatioOr(float[] out, double[] num, double[] den, double[] alt, double s, int n) {
        run(Op.NARROW_RATIO_OR, n, kk -> kk.narrowRatioOr(out, num, den, alt, s, n));
    }

    @Override
    public void countActive(long[] counts, float[] x, float[] b, float eps, double[] c, int n) {
        run(Op.COUNT_ACTIVE, n, kk -> kk.countActive(counts, x, b, eps, c, n));
    }

    @Override
    public void ramPlusStep(double[] sum, double[] c, float[] x, float[] b, float eps, double lambda, int n) {
        run(Op.RAM_PLUS_STEP, n, kk -> kk.ramPlusStep(sum, c, x, b, eps, lambda, n));
    }

    @Override
    public void narrowAddOrBase(float[] out, float[] b, double[] sum, double[] c, int n) {
        run(Op.NARROW_ADD_OR_BASE, n, kk -> kk.narrowAddOrBase(out, b, sum, c, n));
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        return measure(Op.DOT, n, kk -> kk.dot(a, b, n));
    }

    @Override
    public double sumSquares(float[] a, int n) {
        return measure(Op.SUM_SQUARES, n, kk -> kk.sumSquares(a, n));
    }

    @Override
    public double sumAbs(float[] a, int n) {
        return measure(Op.SUM_ABS, n, kk -> kk.sumAbs(a, n));
    }
}
