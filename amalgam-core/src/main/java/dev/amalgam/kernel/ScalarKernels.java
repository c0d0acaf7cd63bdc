package dev.amalgam.kernel;

import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The reference kernels: one plain loop per operation, written to be obviously right. {@link VectorKernels} must
 * produce the same bits; the differential tests compare the two.
 */
public final class ScalarKernels implements Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Reductions keep this many interleaved float64 partial sums (see {@link Kernels}). */
    static final int PARTIALS = 8;

    private final String why;

    public ScalarKernels() {
        this(null);
    }

    ScalarKernels(String why) {
        this.why = why;
    }

    @Override
    public String description() {
        return "scalar (reference Java loops" + (why == null ? ")" : "; " + why + ")");
    }

    @Override
    public void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        switch (dt) {
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Conversions.bf16ToFloat(src.get(SHORT, byteOffset + 2L * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = Conversions.f16ToFloat(src.get(SHORT, byteOffset + 2L * i));
                }
            }
            case F32 -> MemorySegment.copy(src, FLOAT, byteOffset, dst, dstOff, n);
            default -> Conversions.toFloat(dt, src, byteOffset, dst, dstOff, n);
        }
    }

    @Override
    public void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        switch (dt) {
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT, byteOffset + 2L * i, Conversions.floatToBf16(src[srcOff + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(SHORT, byteOffset + 2L * i, Conversions.floatToF16(src[srcOff + i]));
                }
            }
            case F32 -> MemorySegment.copy(src, srcOff, dst, FLOAT, byteOffset, n);
            default -> Conversions.fromFloat(dt, src, srcOff, n, dst, byteOffset);
        }
    }

    @Override
    public void scale(float[] out, float[] a, float s, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] * s;
        }
    }

    @Override
    public void divide(float[] out, float[] a, float d, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] / d;
        }
    }

    @Override
    public void quotient(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] / b[i];
        }
    }

    @Override
    public void axpy(float[] acc, float[] x, float w, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = acc[i] + w * x[i];
        }
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    @Override
    public void sub(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] - b[i];
        }
    }

    @Override
    public void mul(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] * b[i];
        }
    }

    @Override
    public void lerp(float[] out, float[] a, float[] b, float t, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] + t * (b[i] - a[i]);
        }
    }

    @Override
    public void blend(float[] out, float[] a, float wa, float[] b, float wb, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = wa * a[i] + wb * b[i];
        }
    }

    @Override
    public void nearSwap(float[] out, float[] a, float[] x, float t, int n) {
        for (int i = 0; i < n; i++) {
            float w = t / Math.max(Math.abs(a[i] - x[i]), 1e-6f);
            w = Math.max(0f, Math.min(1f, w));
            out[i] = w * x[i] + (1f - w) * a[i];
        }
    }

    /**
     * One pass per input over {@code out} (the same additions in the same order as the per-element loop, so the
     * same bits): a loop over one array at a time is one the JIT vectorizes by itself, while the nested loop over
     * inputs is not, and runs about ten times slower (2 ns against 0.2 ns per element, 3 inputs, measured here).
     * When {@code out} is also one of the later inputs the per-element loop is kept, as a pass would overwrite that
     * input before reading it.
     */
    @Override
    public void weightedSum(float[] out, float[][] xs, float[] w, int count, int n) {
        if (weightedSumSpecialCase(out, xs, w, count, n)) {
            return;
        }
        float[] x0 = xs[0];
        float w0 = w[0];
        for (int i = 0; i < n; i++) {
            out[i] = 0f + w0 * x0[i]; // 0 + (-0) is +0, as the accumulator starting at 0 gives
        }
        for (int k = 1; k < count; k++) {
            float[] x = xs[k];
            float wk = w[k];
            for (int i = 0; i < n; i++) {
                out[i] = out[i] + wk * x[i];
            }
        }
    }

    /**
     * The weighted sums that one pass per input cannot compute, computed here for both kernel sets: an output that is
     * also a later input (the first pass would overwrite that input; the loop per element does them) and no inputs
     * (zeros). Returns false, doing nothing, for every other call.
     */
    static boolean weightedSumSpecialCase(float[] out, float[][] xs, float[] w, int count, int n) {
        for (int k = 1; k < count; k++) {
            if (xs[k] == out) {
                weightedSumPerElement(out, xs, w, count, n);
                return true;
            }
        }
        if (count == 0) {
            java.util.Arrays.fill(out, 0, n, 0f);
            return true;
        }
        return false;
    }

    private static void weightedSumPerElement(float[] out, float[][] xs, float[] w, int count, int n) {
        for (int i = 0; i < n; i++) {
            float acc = 0f;
            for (int k = 0; k < count; k++) {
                acc = acc + w[k] * xs[k][i];
            }
            out[i] = acc;
        }
    }

    @Override
    public void agreeSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            boolean agree = total[i] >= 0f ? v > 0f : v < 0f;
            sum[i] = sum[i] + (agree ? v : 0f);
            wsum[i] = wsum[i] + (agree ? w : 0f);
        }
    }

    @Override
    public void agreeScaledSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[i];
            boolean agree = total[i] >= 0f ? v > 0f : v < 0f;
            sum[i] = sum[i] + (agree ? v * w : 0f);
            wsum[i] = wsum[i] + (agree ? w : 0f);
        }
    }

    @Override
    public void atLeast(float[] out, float[] a, float lo, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Math.max(a[i], lo);
        }
    }

    @Override
    public void orIfZero(float[] out, float[] a, float v, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] == 0f ? v : a[i];
        }
    }

    @Override
    public void keepLargerMagnitude(float[] best, float[] bestAbs, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            float a = Math.abs(x[i]);
            if (a >= bestAbs[i]) {
                bestAbs[i] = a;
                best[i] = x[i];
            }
        }
    }

    @Override
    public void keepIfHashBelow(float[] values, int n, long key, long counter, long limit) {
        for (int i = 0; i < n; i++) {
            long z = key + 0x9E3779B97F4A7C15L * (counter + i + 1);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            values[i] = (z >>> 11) < limit ? values[i] : 0f;
        }
    }

    @Override
    public void keepIfBitSet(float[] values, int n, long[] bits, long offset) {
        for (int i = 0; i < n; i++) {
            long j = offset + i;
            values[i] = (bits[(int) (j >>> 6)] & 1L << j) != 0 ? values[i] : 0f;
        }
    }

    @Override
    public void keepIfMagnitudeAtLeast(float[] values, int n, int minBits) {
        for (int i = 0; i < n; i++) {
            values[i] = (Float.floatToRawIntBits(values[i]) & 0x7FFF_FFFF) >= minBits ? values[i] : 0f;
        }
    }

    @Override
    public int scanBucket(float[] values, int n, long offset, int bucket, long[] low, int[] where, char[] lowBits,
                          int next) {
        for (int i = 0; i < n; i++) {
            next = scanOne(values[i], offset + i, bucket, low, where, lowBits, next);
        }
        return next;
    }

    /** {@link #scanBucket} for one element (the vector kernel's per-hit step too). */
    static int scanOne(float value, long index, int bucket, long[] low, int[] where, char[] lowBits, int next) {
        int m = Float.floatToRawIntBits(value) & 0x7FFF_FFFF;
        if (m >>> 16 != bucket) {
            return next;
        }
        low[m & 0xFFFF]++;
        if (where == null) {
            return next;
        }
        where[next] = (int) index;
        lowBits[next] = (char) m;
        return next + 1;
    }

    @Override
    public void fuseAbove(float[] out, float[] a, float[] x, float k, float t, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float d = x[i] - a[i];
            out[i] = Math.abs(d) * k >= t ? a[i] + d : a[i];
        }
    }

    @Override
    public void abs(float[] out, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Math.abs(a[i]);
        }
    }

    @Override
    public void axpyWide(double[] acc, int off, float[] x, double k, int n) {
        for (int i = off; i < off + n; i++) {
            acc[i] = acc[i] + k * (double) x[i];
        }
    }

    @Override
    public void fmaWide(double[] acc, int off, float[] x, double[] c, int cOff, int n) {
        for (int i = 0; i < n; i++) {
            acc[off + i] = acc[off + i] + c[cOff + i] * (double) x[off + i];
        }
    }

    @Override
    public void decayWide(double[] acc, double d, float[] x, double w, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = d * acc[i] + w * (double) x[i];
        }
    }

    @Override
    public void narrowScaled(float[] out, double[] a, double s, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = (float) (a[i] * s);
        }
    }

    @Override
    public void axpyDiffWide(double[] acc, double w, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = acc[i] + w * ((double) a[i] - (double) b[i]);
        }
    }

    @Override
    public void narrowAxpy(float[] out, float[] b, double s, double[] d, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((double) b[i] + s * d[i]);
        }
    }

    @Override
    public void widen(double[] out, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i];
        }
    }

    @Override
    public void widenSub(double[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = (double) a[i] - (double) b[i];
        }
    }

    @Override
    public void narrow(float[] out, double[] a, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = (float) a[i];
        }
    }

    @Override
    public void addIfAbove(double[] sum, double[] count, float[] x, float[] b, float eps, int n) {
        for (int i = 0; i < n; i++) {
            float d = x[i] - b[i];
            if (Math.abs(d) > eps) {
                sum[i] = sum[i] + d;
                count[i] = count[i] + 1;
            }
        }
    }

    @Override
    public void meanOrBase(float[] out, float[] b, double[] sum, double[] count, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = count[i] == 0 ? b[i] : (float) (b[i] + sum[i] / count[i]);
        }
    }

    @Override
    public void fisherStep(double[] num, double[] den, float[] x, float[] f, double c, double floor, int n) {
        for (int i = 0; i < n; i++) {
            double w = c * Math.max((double) f[i], floor);
            num[i] = num[i] + w * (double) x[i];
            den[i] = den[i] + w;
        }
    }

    @Override
    public void narrowRatioOr(float[] out, double[] num, double[] den, double[] alt, double s, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = (float) (den[i] > 0 ? num[i] / den[i] : alt[i] / s);
        }
    }

    @Override
    public void countActive(long[] counts, float[] x, float[] b, float eps, double[] c, int n) {
        long unique = 0;
        long shared = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[i] - b[i]) > eps) {
                if (c[i] == 1) {
                    unique++;
                } else {
                    shared++;
                }
            }
        }
        counts[0] += unique;
        counts[1] += shared;
    }

    @Override
    public void ramPlusStep(double[] sum, double[] c, float[] x, float[] b, float eps, double lambda, int n) {
        for (int i = 0; i < n; i++) {
            float d = x[i] - b[i];
            if (Math.abs(d) > eps) {
                sum[i] = sum[i] + (c[i] == 1 ? (double) d * lambda : (double) d / c[i]);
            }
        }
    }

    @Override
    public void narrowAddOrBase(float[] out, float[] b, double[] sum, double[] c, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = c[i] == 0 ? b[i] : (float) ((double) b[i] + sum[i]);
        }
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        double[] p = new double[PARTIALS];
        for (int i = 0; i < n; i++) {
            p[i % PARTIALS] += (double) a[i] * b[i];
        }
        return fold(p);
    }

    @Override
    public double sumSquares(float[] a, int n) {
        double[] p = new double[PARTIALS];
        for (int i = 0; i < n; i++) {
            p[i % PARTIALS] += (double) a[i] * a[i];
        }
        return fold(p);
    }

    @Override
    public double sumAbs(float[] a, int n) {
        double[] p = new double[PARTIALS];
        for (int i = 0; i < n; i++) {
            p[i % PARTIALS] += Math.abs((double) a[i]);
        }
        return fold(p);
    }

    /** The fixed final order of a reduction: pairwise, ((p0+p1)+(p2+p3)) + ((p4+p5)+(p6+p7)). */
    static double fold(double[] p) {
        return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
    }
}
