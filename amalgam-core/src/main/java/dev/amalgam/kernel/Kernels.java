package dev.amalgam.kernel;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * The inner loops of a merge: dtype conversions between stored tensors and float32, and the arithmetic of
 * element-wise merge methods, over float32 arrays of a chunk (DESIGN.md principle 6). Two implementations give
 * bit-identical results: {@link ScalarKernels}, the plain-Java reference, and {@link VectorKernels}, written with
 * {@code jdk.incubator.vector} (the only package that imports it). {@link #active()} picks one once per JVM;
 * {@code -Damalgam.kernels=scalar} forces the reference.
 *
 * <p>Numerics, identical in both: element-wise operations round each step in float32 exactly as the Java
 * expression in their comment (no fused multiply-add, so the scalar twin needs no FMA hardware); reductions
 * ({@link #dot}, {@link #sumSquares}, {@link #sumAbs}) accumulate in float64 in eight interleaved partial sums
 * (element i goes to sum i mod 8) that are added pairwise at the end, an order both implementations follow.
 * Narrowing conversions round to nearest even; NaN stays a quiet NaN of the same sign. Conversions are
 * bit-identical on every input, NaN payloads included; arithmetic that meets two NaNs returns a NaN whose payload
 * Java leaves unspecified (the CPU keeps one operand's and the JIT may swap operands), so there only NaN-ness is
 * guaranteed to agree.
 *
 * <p>Arrays are used from index 0 to {@code n}; output arrays may be the same array as an input.
 */
public interface Kernels {

    /** The kernels in use, chosen once: the vector ones unless forced off or unavailable. */
    static Kernels active() {
        return KernelSelection.current();
    }

    /** One line for {@code inspect} and {@code merge -v}, e.g. "vector (jdk.incubator.vector, 512-bit)". */
    String description();

    /**
     * A hint that the rest of this run does enough work to repay compiling every operation it uses (a large
     * merge; sooner for a multi-pass method, see {@code MergeMethod#repaysCompiledKernels}). Kernels that switch
     * to their fast path only once it has paid for itself then switch every operation as soon as its fast path
     * is compiled; the others ignore the hint. Never changes a result.
     */
    default void expectHeavyUse() {
    }

    // ---- conversions ----

    /**
     * Reads {@code n} elements of {@code dt} at {@code byteOffset} of {@code src} (little-endian, any alignment)
     * into {@code dst[dstOff ..]} as float32. BF16, F16 and F32 are the fast paths; other dtypes use the
     * reference conversions of {@link dev.amalgam.tensor.Conversions}.
     */
    void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n);

    /** Writes {@code src[srcOff .. srcOff+n)} as {@code dt} at {@code byteOffset} of {@code dst}, rounding to nearest even. */
    void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset);

    // ---- element-wise arithmetic (float32) ----

    /** {@code out[i] = a[i] * s}. */
    void scale(float[] out, float[] a, float s, int n);

    /** {@code out[i] = a[i] / d} (a true division, not a multiply by the reciprocal). */
    void divide(float[] out, float[] a, float d, int n);

    /** {@code out[i] = a[i] / b[i]}: element-wise true division (the normalised task-arithmetic sum). */
    void quotient(float[] out, float[] a, float[] b, int n);

    /** {@code acc[i] = acc[i] + w * x[i]}: weighted accumulation (task arithmetic, linear, model soups). */
    void axpy(float[] acc, float[] x, float w, int n);

    /** {@code out[i] = a[i] + b[i]}. */
    void add(float[] out, float[] a, float[] b, int n);

    /** {@code out[i] = a[i] - b[i]}: a task vector when {@code b} is the base. */
    void sub(float[] out, float[] a, float[] b, int n);

    /** {@code out[i] = a[i] * b[i]}: applying a 0/1 or rescaled mask (DARE, TIES). */
    void mul(float[] out, float[] a, float[] b, int n);

    /** {@code out[i] = a[i] + t * (b[i] - a[i])}: linear interpolation (nearswap, slerp's fallback). */
    void lerp(float[] out, float[] a, float[] b, float t, int n);

    /** {@code out[i] = wa * a[i] + wb * b[i]}: two-term blend (slerp once its coefficients are known). */
    void blend(float[] out, float[] a, float wa, float[] b, float wb, int n);

    /**
     * {@code out[i] = ((0 + w[0]*xs[0][i]) + w[1]*xs[1][i]) + ...} over the first {@code count} inputs, in input
     * order: the weighted sum of a linear merge, in one pass.
     */
    void weightedSum(float[] out, float[][] xs, float[] w, int count, int n);

    /**
     * NearSwap's step (compat.md §1.6), with {@code a} the base: {@code w = Math.max(0f, Math.min(1f, t /
     * Math.max(Math.abs(a[i] - x[i]), 1e-6f)))} and {@code out[i] = w * x[i] + (1f - w) * a[i]}, each step rounded
     * in float32 in that order.
     */
    void nearSwap(float[] out, float[] a, float[] x, float t, int n);

    /**
     * Arcee Fusion's step on {@code [off, off+n)}, one run of a row, with {@code a} the base and {@code k} the row's
     * divergence: with {@code d = x[i] - a[i]}, {@code out[i] = Math.abs(d) * k >= t ? a[i] + d : a[i]}, each step
     * rounded in float32 (so a kept element is {@code a + (x − a)}, not {@code x}).
     */
    void fuseAbove(float[] out, float[] a, float[] x, float k, float t, int off, int n);

    /** {@code out[i] = |a[i]|}. */
    void abs(float[] out, float[] a, int n);

    /**
     * One model's step of the TIES disjoint sum (compat.md §1.3): with {@code agree = total[i] >= 0 ? x[i] > 0 :
     * x[i] < 0} (the value is non-zero, not NaN, and has the majority's sign), {@code sum[i] = sum[i] + (agree ?
     * x[i] : 0)} and {@code wsum[i] = wsum[i] + (agree ? w : 0)}.
     */
    void agreeSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n);

    /**
     * One model's step of SCE's erase (compat.md §1.3): {@code agree} as in {@link #agreeSum}, tested on the
     * unscaled {@code x[i]}, then {@code sum[i] = sum[i] + (agree ? x[i] * w : 0)} and {@code wsum[i] = wsum[i] +
     * (agree ? w : 0)}. The product is taken after the test, so a value whose product underflows still counts.
     */
    void agreeScaledSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n);

    /** {@code out[i] = Math.max(a[i], lo)}: a floor under a denominator (NaN stays NaN, +0 is above −0). */
    void atLeast(float[] out, float[] a, float lo, int n);

    /**
     * {@code out[i] = a[i] == 0f ? v : a[i]}: a zero denominator replaced (TIES's sum of agreeing weights where no
     * model agrees). Both +0 and −0 are replaced; NaN is kept.
     */
    void orIfZero(float[] out, float[] a, float v, int n);

    /**
     * Where {@code |x[i]| >= bestAbs[i]}: {@code bestAbs[i] = |x[i]|}, {@code best[i] = x[i]}. MagMax's selection
     * of the largest-magnitude task vector, called in recipe order, so a later input wins a tie; a NaN never wins.
     */
    void keepLargerMagnitude(float[] best, float[] bestAbs, float[] x, int n);

    /**
     * The counter-based random drop of DARE ({@code merge.random.CounterRandom}'s stream): with {@code z} the
     * SplitMix64 finalizer of {@code key + 0x9E3779B97F4A7C15L · (counter + i + 1)} (64-bit wrapping arithmetic),
     * {@code values[i]} is kept when {@code (z >>> 11) < limit} and set to +0.0 otherwise.
     */
    void keepIfHashBelow(float[] values, int n, long key, long counter, long limit);

    /**
     * A mask kept as one bit per element (DELLA's drawn mask): {@code values[i]} is kept when bit {@code j =
     * offset + i} of {@code bits} (bit {@code j & 63} of {@code bits[j >>> 6]}) is set and set to +0.0 otherwise;
     * {@code bits} covers at least {@code offset + n} bits.
     */
    void keepIfBitSet(float[] values, int n, long[] bits, long offset);

    /**
     * The magnitude top-k's mask (TIES, breadcrumbs): {@code values[i]} is kept, bits unchanged, when its
     * magnitude bits ({@code floatToRawIntBits & 0x7FFFFFFF}) are at least {@code minBits} (in [0, 2³¹ − 1]) and
     * set to +0.0 otherwise.
     */
    void keepIfMagnitudeAtLeast(float[] values, int n, int minBits);

    /**
     * The top-k select's pass inside the threshold bucket, for a bucket that holds few elements: for each
     * {@code i} in order whose magnitude bits {@code m} have {@code m >>> 16 == bucket}, adds one to
     * {@code low[m & 0xFFFF]} and, when {@code where} is not null, writes {@code offset + i} to
     * {@code where[next]} and {@code (char) m} to {@code lowBits[next]} and advances {@code next}. Returns the final
     * {@code next} (unchanged when {@code where} is null).
     */
    int scanBucket(float[] values, int n, long offset, int bucket, long[] low, int[] where, char[] lowBits, int next);

    // ---- float64 accumulation (the geometric methods' blend) ----
    // These take an offset: they work on acc[off .. off+n) and x[off .. off+n), the runs of one coefficient.

    /** {@code acc[off+i] = acc[off+i] + k * (double) x[off+i]}, in float64 (no fused multiply-add). */
    void axpyWide(double[] acc, int off, float[] x, double k, int n);

    /** {@code acc[off+i] = acc[off+i] + c[cOff+i] * (double) x[off+i]}: one coefficient per element, in float64. */
    void fmaWide(double[] acc, int off, float[] x, double[] c, int cOff, int n);

    /** {@code acc[i] = acc[i] + w * ((double) a[i] - (double) b[i])}, in float64: a weighted client delta. */
    void axpyDiffWide(double[] acc, double w, float[] a, float[] b, int n);

    /** {@code out[i] = (float) ((double) b[i] + s * d[i])}: a float64 step from {@code b}, rounded once. */
    void narrowAxpy(float[] out, float[] b, double s, double[] d, int n);

    /** {@code acc[i] = d * acc[i] + w * (double) x[i]}, in float64: one step of an exponential moving average. */
    void decayWide(double[] acc, double d, float[] x, double w, int n);

    /** {@code out[i] = (float) (a[i] * s)}: a float64 mean rounded once. */
    void narrowScaled(float[] out, double[] a, double s, int n);

    /** {@code out[i] = (double) a[i]}: exact. */
    void widen(double[] out, float[] a, int n);

    /** {@code out[i] = (double) a[i] - (double) b[i]}: a task vector in float64, exact (zero where a equals b). */
    void widenSub(double[] out, float[] a, float[] b, int n);

    /** {@code out[i] = (float) a[i]}: float64 rounded once to float32, to nearest even. */
    void narrow(float[] out, double[] a, int n);

    /**
     * One model's step of RAM's active-element mean: with {@code d = x[i] - b[i]} in float32, where
     * {@code Math.abs(d) > eps} (never for NaN), {@code sum[i] = sum[i] + (double) d} and
     * {@code count[i] = count[i] + 1}.
     */
    void addIfAbove(double[] sum, double[] count, float[] x, float[] b, float eps, int n);

    /** RAM's result: {@code out[i] = count[i] == 0 ? b[i] : (float) (b[i] + sum[i] / count[i])}, the sum in float64. */
    void meanOrBase(float[] out, float[] b, double[] sum, double[] count, int n);

    /**
     * One model's step of Fisher merging: with {@code w = c * Math.max((double) f[i], floor)}, {@code num[i] =
     * num[i] + w * (double) x[i]} and {@code den[i] = den[i] + w}, in float64 (no fused multiply-add).
     */
    void fisherStep(double[] num, double[] den, float[] x, float[] f, double c, double floor, int n);

    /** {@code out[i] = (float) (den[i] > 0 ? num[i] / den[i] : alt[i] / s)}: a float64 ratio, or a fallback, rounded once. */
    void narrowRatioOr(float[] out, double[] num, double[] den, double[] alt, double s, int n);

    /**
     * RAM+ TL's counting pass for one model: over the elements where {@code Math.abs(x[i] - b[i]) > eps} (the
     * difference in float32, never for NaN), adds to {@code counts[0]} those where {@code c[i] == 1} (only this
     * model changes it) and to {@code counts[1]} the others.
     */
    void countActive(long[] counts, float[] x, float[] b, float eps, double[] c, int n);

    /**
     * One model's step of RAM+ TL's blend: with {@code d = x[i] - b[i]} in float32, where {@code Math.abs(d) > eps},
     * {@code sum[i] = sum[i] + (c[i] == 1 ? (double) d * lambda : (double) d / c[i])}, in float64.
     */
    void ramPlusStep(double[] sum, double[] c, float[] x, float[] b, float eps, double lambda, int n);

    /** {@code out[i] = c[i] == 0 ? b[i] : (float) ((double) b[i] + sum[i])}: a float64 step from b, or b itself. */
    void narrowAddOrBase(float[] out, float[] b, double[] sum, double[] c, int n);

    // ---- reductions (float64) ----

    /** Σ a[i]·b[i] in float64 (products are exact in float64). */
    double dot(float[] a, float[] b, int n);

    /** Σ a[i]² in float64. */
    double sumSquares(float[] a, int n);

    /** Σ |a[i]| in float64. */
    double sumAbs(float[] a, int n);
}
