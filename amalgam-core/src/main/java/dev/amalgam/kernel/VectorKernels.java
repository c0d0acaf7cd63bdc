package dev.amalgam.kernel;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD kernels ({@code jdk.incubator.vector}), bit-identical to {@link ScalarKernels}. The bf16 path is the
 * one java-stack.md §3d measured at DRAM bandwidth: a half-width {@code ShortVector} load, {@code convertShape(S2I)}
 * to a full-width {@code IntVector}, a shift by 16 and a reinterpretation as floats. binary16 has no such shortcut
 * in the Vector API, so it is decoded and encoded with integer and float lane operations that reproduce the JDK's
 * round-to-nearest-even exactly (normals by bias arithmetic, subnormals by the "add 0.5f" alignment trick).
 * Every loop ends with a scalar tail written exactly like the reference.
 *
 * <p>Three rules keep C2 compiling each kernel with all its Vector API calls as intrinsics. Where a kernel broke
 * one, C2 sometimes compiled it with some calls left to the API's Java fallbacks, which allocate for every lane
 * operation: in about one 3 x 1 GB DARE-TIES merge in five, JFR found 5 GB of vector payload arrays allocated in
 * {@code sumAbs}, and G1 grew the heap from 384 MB to 2-2.7 GB. The rules:
 * <ul>
 * <li>no vector is passed to or returned from another method: every expression stays in the kernel's body (the
 *     allocations were seen in a widening helper, {@code hi}, and later in another, {@code widen4});</li>
 * <li>no vector is live across a loop's back edge: constants are made inside the loop body (C2 hoists them) and
 *     reductions keep their accumulators in an array between iterations. A loop that the JIT compiles while it
 *     runs (on-stack replacement) receives such a vector from the interpreter as a plain object (the allocations
 *     were also seen in {@code sumAbs}'s accumulators);</li>
 * <li>each kernel is compiled on its own, never inlined into its caller ({@code amalgam-cli/jvm.args}).</li>
 * </ul>
 * With all three, 30 runs of that merge in a row kept the heap at 384 MB.
 */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();
    /**
     * Reductions: each step takes 8 floats as two 4-lane loads, each widened whole into a 4-lane double vector that
     * adds into the 8 partial sums of the reference. (Widening the upper half of one 8-float vector instead,
     * {@code convertShape(F2D, D4, 1)}, goes through a slice and a shuffle: a deeper chain of calls to intrinsify.)
     */
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    /** Random masks: one long lane per float lane, the floats in a vector of half the width. */
    private static final VectorSpecies<Long> LG = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(LG.vectorBitSize() / 2));
    /** float64 accumulation: one double lane per float lane, the floats again in a half-width vector (FH). */
    private static final VectorSpecies<Double> DW = VectorSpecies.of(double.class, LG.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** The reference, for dtypes without a vector path and for the tails of loops. */
    private static final ScalarKernels REF = new ScalarKernels();

    int floatLanes() {
        return L;
    }

    @Override
    public String description() {
        return "vector (jdk.incubator.vector, " + F.vectorBitSize() + "-bit, " + L + " float lanes)";
    }

    @Override
    public void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        switch (dt) {
            case BF16 -> bf16ToFloat(src, byteOffset, dst, dstOff, n);
            case F16 -> f16ToFloat(src, byteOffset, dst, dstOff, n);
            default -> REF.toFloat(dt, src, byteOffset, dst, dstOff, n);
        }
    }

    @Override
    public void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        switch (dt) {
            case BF16 -> floatToBf16(src, srcOff, n, dst, byteOffset);
            case F16 -> floatToF16(src, srcOff, n, dst, byteOffset);
            default -> REF.fromFloat(dt, src, srcOff, n, dst, byteOffset);
        }
    }

    private static void bf16ToFloat(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, byteOffset + 2L * i, LE);
            IntVector x = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        if (i < n) {
            REF.toFloat(DType.BF16, src, byteOffset + 2L * i, dst, dstOff + i, n - i);
        }
    }

    private static void floatToBf16(float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            IntVector x = FloatVector.fromArray(F, src, srcOff + i).reinterpretAsInts();
            IntVector hi = x.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = x.add(hi.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = x.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector r = rounded.blend(hi.or(0x40), nan);
            ((ShortVector) r.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(dst, byteOffset + 2L * i, LE);
        }
        if (i < n) {
            REF.fromFloat(DType.BF16, src, srcOff + i, n - i, dst, byteOffset + 2L * i);
        }
    }

    private static void f16ToFloat(MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            ShortVector s = ShortVector.fromMemorySegment(S, src, byteOffset + 2L * i, LE);
            IntVector h = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector mag = h.and(0x7FFF);
            IntVector shifted = mag.lanewise(VectorOperators.LSHL, 13);
            // exponent rebias by a power-of-two multiply: exact for normals and subnormals alike
            IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            IntVector special = shifted.or(0x7F800000);
            special = special.blend(special.or(0x00400000), mag.compare(VectorOperators.GT, 0x7C00));
            IntVector bits = finite.blend(special, mag.compare(VectorOperators.GE, 0x7C00)).or(sign);
            bits.reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        if (i < n) {
            REF.toFloat(DType.F16, src, byteOffset + 2L * i, dst, dstOff + i, n - i);
        }
    }

    private static void floatToF16(float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            IntVector x = FloatVector.fromArray(F, src, srcOff + i).reinterpretAsInts();
            IntVector sign = x.lanewise(VectorOperators.LSHR, 16).and(0x8000);
            IntVector a = x.and(0x7FFFFFFF);
            IntVector mant13 = a.lanewise(VectorOperators.LSHR, 13);
            // normal range: rebias the exponent (-112 << 23), add just under half an ulp plus the odd bit (RNE)
            IntVector normal = a.add(0xC8000FFF).add(mant13.and(1)).lanewise(VectorOperators.LSHR, 13);
            // below 2^-14: adding 0.5f aligns the value to units of 2^-24 with the FPU's round-to-nearest-even
            IntVector sub = a.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3F000000);
            IntVector r = normal.blend(sub, a.compare(VectorOperators.LT, 0x38800000));
            r = r.blend(0x7C00, a.compare(VectorOperators.GE, 0x47800000));
            r = r.blend(mant13.and(0x3FF).or(0x7E00), a.compare(VectorOperators.GT, 0x7F800000));
            ((ShortVector) r.or(sign).convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(dst, byteOffset + 2L * i, LE);
        }
        if (i < n) {
            REF.fromFloat(DType.F16, src, srcOff + i, n - i, dst, byteOffset + 2L * i);
        }
    }

    @Override
    public void scale(float[] out, float[] a, float s, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).mul(s).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] * s;
        }
    }

    @Override
    public void divide(float[] out, float[] a, float d, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).div(d).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] / d;
        }
    }

    @Override
    public void quotient(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).div(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] / b[i];
        }
    }

    @Override
    public void axpy(float[] acc, float[] x, float w, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, i).mul(w)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = acc[i] + w * x[i];
        }
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    @Override
    public void sub(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] - b[i];
        }
    }

    @Override
    public void mul(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).mul(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] * b[i];
        }
    }

    @Override
    public void lerp(float[] out, float[] a, float[] b, float t, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(F, a, i);
            va.add(FloatVector.fromArray(F, b, i).sub(va).mul(t)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] + t * (b[i] - a[i]);
        }
    }

    @Override
    public void blend(float[] out, float[] a, float wa, float[] b, float wb, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(F, a, i).mul(wa).add(FloatVector.fromArray(F, b, i).mul(wb)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = wa * a[i] + wb * b[i];
        }
    }

    @Override
    public void nearSwap(float[] out, float[] a, float[] x, float t, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(F, a, i);
            FloatVector vx = FloatVector.fromArray(F, x, i);
            // lanewise MIN/MAX follow Math.min/max (NaN wins, -0 < +0), so the clamp matches the reference
            FloatVector w = FloatVector.broadcast(F, t).div(va.sub(vx).abs().max(1e-6f)).min(1f).max(0f);
            w.mul(vx).add(FloatVector.broadcast(F, 1f).sub(w).mul(va)).intoArray(out, i);
        }
        for (; i < n; i++) {
            float w = t / Math.max(Math.abs(a[i] - x[i]), 1e-6f);
            w = Math.max(0f, Math.min(1f, w));
            out[i] = w * x[i] + (1f - w) * a[i];
        }
    }

    @Override
    public void weightedSum(float[] out, float[][] xs, float[] w, int count, int n) {
        // one pass per input, accumulating in out, as the reference does: a running sum held in a vector across
        // the loop over inputs would be live across that loop's back edge (see the class comment)
        if (ScalarKernels.weightedSumSpecialCase(out, xs, w, count, n)) {
            return;
        }
        float[] x0 = xs[0];
        float w0 = w[0];
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            // 0 + (-0) is +0, as the reference's accumulator starting at 0 gives
            FloatVector.zero(F).add(FloatVector.fromArray(F, x0, i).mul(w0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = 0f + w0 * x0[i];
        }
        for (int k = 1; k < count; k++) {
            float[] x = xs[k];
            float wk = w[k];
            i = 0;
            for (int bound = F.loopBound(n); i < bound; i += L) {
                FloatVector.fromArray(F, out, i).add(FloatVector.fromArray(F, x, i).mul(wk)).intoArray(out, i);
            }
            for (; i < n; i++) {
                out[i] = out[i] + wk * x[i];
            }
        }
    }

    @Override
    public void agreeSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector zero = FloatVector.zero(F);
            FloatVector vw = FloatVector.broadcast(F, w);
            FloatVector v = FloatVector.fromArray(F, x, i);
            // NaN compares false everywhere, as in the scalar twin: a NaN total counts as negative
            VectorMask<Float> positive = FloatVector.fromArray(F, total, i).compare(VectorOperators.GE, 0f);
            VectorMask<Float> agree = v.compare(VectorOperators.GT, 0f).and(positive)
                    .or(v.compare(VectorOperators.LT, 0f).andNot(positive));
            FloatVector.fromArray(F, sum, i).add(zero.blend(v, agree)).intoArray(sum, i);
            FloatVector.fromArray(F, wsum, i).add(zero.blend(vw, agree)).intoArray(wsum, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            boolean agree = total[i] >= 0f ? v > 0f : v < 0f;
            sum[i] = sum[i] + (agree ? v : 0f);
            wsum[i] = wsum[i] + (agree ? w : 0f);
        }
    }

    @Override
    public void agreeScaledSum(float[] sum, float[] wsum, float[] total, float[] x, float w, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector zero = FloatVector.zero(F);
            FloatVector vw = FloatVector.broadcast(F, w);
            FloatVector v = FloatVector.fromArray(F, x, i);
            VectorMask<Float> positive = FloatVector.fromArray(F, total, i).compare(VectorOperators.GE, 0f);
            VectorMask<Float> agree = v.compare(VectorOperators.GT, 0f).and(positive)
                    .or(v.compare(VectorOperators.LT, 0f).andNot(positive));
            FloatVector.fromArray(F, sum, i).add(zero.blend(v.mul(vw), agree)).intoArray(sum, i);
            FloatVector.fromArray(F, wsum, i).add(zero.blend(vw, agree)).intoArray(wsum, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            boolean agree = total[i] >= 0f ? v > 0f : v < 0f;
            sum[i] = sum[i] + (agree ? v * w : 0f);
            wsum[i] = wsum[i] + (agree ? w : 0f);
        }
    }

    @Override
    public void atLeast(float[] out, float[] a, float lo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            // FloatVector.max is Math.max lane-wise: NaN wins, +0 beats −0
            FloatVector.fromArray(F, a, i).max(lo).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = Math.max(a[i], lo);
        }
    }

    @Override
    public void orIfZero(float[] out, float[] a, float v, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(F, a, i);
            // EQ compares as ==: −0 equals 0, NaN equals nothing
            x.blend(v, x.compare(VectorOperators.EQ, 0f)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i] == 0f ? v : a[i];
        }
    }

    @Override
    public void keepLargerMagnitude(float[] best, float[] bestAbs, float[] x, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, i);
            FloatVector a = xv.abs();
            FloatVector ba = FloatVector.fromArray(F, bestAbs, i);
            // GE is false when either side is NaN, as the scalar >= is
            VectorMask<Float> take = a.compare(VectorOperators.GE, ba);
            ba.blend(a, take).intoArray(bestAbs, i);
            FloatVector.fromArray(F, best, i).blend(xv, take).intoArray(best, i);
        }
        for (; i < n; i++) {
            float a = Math.abs(x[i]);
            if (a >= bestAbs[i]) {
                bestAbs[i] = a;
                best[i] = x[i];
            }
        }
    }

    @Override
    public void keepIfHashBelow(float[] values, int n, long key, long counter, long limit) {
        int lanes = LG.length();
        int i = 0;
        for (int bound = LG.loopBound(n); i < bound; i += lanes) {
            LongVector z = LongVector.zero(LG).addIndex(1).add(counter + i + 1).mul(0x9E3779B97F4A7C15L).add(key);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
            VectorMask<Float> drop = z.lanewise(VectorOperators.LSHR, 11).compare(VectorOperators.GE, limit).cast(FH);
            FloatVector.fromArray(FH, values, i).blend(FloatVector.zero(FH), drop).intoArray(values, i);
        }
        for (; i < n; i++) {
            long z = key + 0x9E3779B97F4A7C15L * (counter + i + 1);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            values[i] = (z >>> 11) < limit ? values[i] : 0f;
        }
    }

    @Override
    public void keepIfBitSet(float[] values, int n, long[] bits, long offset) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            // the L bits of this vector, which may straddle two words (L <= 64, so at most two)
            long j = offset + i;
            int w = (int) (j >>> 6);
            int s = (int) (j & 63);
            long word = bits[w] >>> s;
            if (s + L > 64) {
                word |= bits[w + 1] << (64 - s);
            }
            VectorMask<Float> keep = VectorMask.fromLong(F, word);
            FloatVector.zero(F).blend(FloatVector.fromArray(F, values, i), keep).intoArray(values, i);
        }
        for (; i < n; i++) {
            long j = offset + i;
            values[i] = (bits[(int) (j >>> 6)] & 1L << j) != 0 ? values[i] : 0f;
        }
    }

    @Override
    public void keepIfMagnitudeAtLeast(float[] values, int n, int minBits) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, values, i);
            VectorMask<Integer> keep = v.reinterpretAsInts().and(0x7FFF_FFFF).compare(VectorOperators.GE, minBits);
            FloatVector.zero(F).blend(v, keep.cast(F)).intoArray(values, i);
        }
        for (; i < n; i++) {
            values[i] = (Float.floatToRawIntBits(values[i]) & 0x7FFF_FFFF) >= minBits ? values[i] : 0f;
        }
    }

    /**
     * A vector compare finds the lanes in the bucket; only those (few, by the method's choice of this kernel)
     * take the scalar step, in lane order, so the counts and the recorded positions are the scalar twin's.
     */
    @Override
    public int scanBucket(float[] values, int n, long offset, int bucket, long[] low, int[] where, char[] lowBits,
                          int next) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += L) {
            IntVector m = FloatVector.fromArray(F, values, i).reinterpretAsInts().and(0x7FFF_FFFF);
            VectorMask<Integer> in = m.lanewise(VectorOperators.LSHR, 16).compare(VectorOperators.EQ, bucket);
            if (!in.anyTrue()) {
                continue;
            }
            long hits = in.toLong();
            while (hits != 0) {
                int lane = Long.numberOfTrailingZeros(hits);
                next = ScalarKernels.scanOne(values[i + lane], offset + i + lane, bucket, low, where, lowBits, next);
                hits &= hits - 1;
            }
        }
        for (; i < n; i++) {
            next = ScalarKernels.scanOne(values[i], offset + i, bucket, low, where, lowBits, next);
        }
        return next;
    }

    @Override
    public void fuseAbove(float[] out, float[] a, float[] x, float k, float t, int off, int n) {
        int i = off;
        for (int bound = off + F.loopBound(n); i < bound; i += L) {
            FloatVector va = FloatVector.fromArray(F, a, i);
            FloatVector d = FloatVector.fromArray(F, x, i).sub(va);
            // abs clears the sign bit as Math.abs does; GE is false for NaN, which keeps the base as the scalar does
            VectorMask<Float> take = d.abs().mul(k).compare(VectorOperators.GE, t);
            va.blend(va.add(d), take).intoArray(out, i);
        }
        for (; i < off + n; i++) {
            float d = x[i] - a[i];
            out[i] = Math.abs(d) * k >= t ? a[i] + d : a[i];
        }
    }

    @Override
    public void abs(float[] out, float[] a, int n) {
        int i = 0;
        for (int bound = I.loopBound(n); i < bound; i += L) {
            // clear the sign bit, as Math.abs(float) does (NaN payloads included)
            FloatVector.fromArray(F, a, i).reinterpretAsInts().and(0x7FFFFFFF).reinterpretAsFloats().intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = Math.abs(a[i]);
        }
    }

    @Override
    public void axpyWide(double[] acc, int off, float[] x, double k, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector vx = (DoubleVector) FloatVector.fromArray(FH, x, off + i)
                    .convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector.fromArray(DW, acc, off + i).add(vx.mul(k)).intoArray(acc, off + i);
        }
        for (; i < n; i++) {
            acc[off + i] = acc[off + i] + k * (double) x[off + i];
        }
    }

    @Override
    public void fmaWide(double[] acc, int off, float[] x, double[] c, int cOff, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector vx = (DoubleVector) FloatVector.fromArray(FH, x, off + i)
                    .convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector vc = DoubleVector.fromArray(DW, c, cOff + i);
            DoubleVector.fromArray(DW, acc, off + i).add(vc.mul(vx)).intoArray(acc, off + i);
        }
        for (; i < n; i++) {
            acc[off + i] = acc[off + i] + c[cOff + i] * (double) x[off + i];
        }
    }

    @Override
    public void decayWide(double[] acc, double d, float[] x, double w, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector vx = (DoubleVector) FloatVector.fromArray(FH, x, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector.fromArray(DW, acc, i).mul(d).add(vx.mul(w)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = d * acc[i] + w * (double) x[i];
        }
    }

    @Override
    public void narrowScaled(float[] out, double[] a, double s, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector m = DoubleVector.fromArray(DW, a, i).mul(s);
            ((FloatVector) m.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (float) (a[i] * s);
        }
    }

    @Override
    public void axpyDiffWide(double[] acc, double w, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector va = (DoubleVector) FloatVector.fromArray(FH, a, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector vb = (DoubleVector) FloatVector.fromArray(FH, b, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector diff = va.sub(vb);
            DoubleVector.fromArray(DW, acc, i).add(diff.mul(w)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            acc[i] = acc[i] + w * ((double) a[i] - (double) b[i]);
        }
    }

    @Override
    public void narrowAxpy(float[] out, float[] b, double s, double[] d, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector vb = (DoubleVector) FloatVector.fromArray(FH, b, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector m = vb.add(DoubleVector.fromArray(DW, d, i).mul(s));
            ((FloatVector) m.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (float) ((double) b[i] + s * d[i]);
        }
    }

    @Override
    public void widen(double[] out, float[] a, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            ((DoubleVector) FloatVector.fromArray(FH, a, i).convertShape(VectorOperators.F2D, DW, 0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = a[i];
        }
    }

    @Override
    public void widenSub(double[] out, float[] a, float[] b, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector va = (DoubleVector) FloatVector.fromArray(FH, a, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector vb = (DoubleVector) FloatVector.fromArray(FH, b, i).convertShape(VectorOperators.F2D, DW, 0);
            va.sub(vb).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (double) a[i] - (double) b[i];
        }
    }

    @Override
    public void narrow(float[] out, double[] a, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            ((FloatVector) DoubleVector.fromArray(DW, a, i).convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (float) a[i];
        }
    }

    @Override
    public void addIfAbove(double[] sum, double[] count, float[] x, float[] b, float eps, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            FloatVector d = FloatVector.fromArray(FH, x, i).sub(FloatVector.fromArray(FH, b, i));
            // the mask in double lanes: the float comparison is false for NaN, as in the reference
            VectorMask<Double> on = d.abs().compare(VectorOperators.GT, eps).cast(DW);
            DoubleVector s = DoubleVector.fromArray(DW, sum, i);
            s.blend(s.add((DoubleVector) d.convertShape(VectorOperators.F2D, DW, 0)), on).intoArray(sum, i);
            DoubleVector c = DoubleVector.fromArray(DW, count, i);
            c.blend(c.add(1.0), on).intoArray(count, i);
        }
        for (; i < n; i++) {
            float d = x[i] - b[i];
            if (Math.abs(d) > eps) {
                sum[i] = sum[i] + d;
                count[i] = count[i] + 1;
            }
        }
    }

    @Override
    public void meanOrBase(float[] out, float[] b, double[] sum, double[] count, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            FloatVector vb = FloatVector.fromArray(FH, b, i);
            DoubleVector c = DoubleVector.fromArray(DW, count, i);
            DoubleVector wb = (DoubleVector) vb.convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector m = wb.add(DoubleVector.fromArray(DW, sum, i).div(c));
            FloatVector r = (FloatVector) m.convertShape(VectorOperators.D2F, FH, 0);
            vb.blend(r, c.compare(VectorOperators.NE, 0.0).cast(FH)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = count[i] == 0 ? b[i] : (float) (b[i] + sum[i] / count[i]);
        }
    }

    @Override
    public void fisherStep(double[] num, double[] den, float[] x, float[] f, double c, double floor, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            // DoubleVector.max is Math.max lane-wise, so a NaN Fisher value stays NaN as in the scalar twin
            DoubleVector vf = (DoubleVector) FloatVector.fromArray(FH, f, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector w = vf.max(floor).mul(c);
            DoubleVector vx = (DoubleVector) FloatVector.fromArray(FH, x, i).convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector.fromArray(DW, num, i).add(w.mul(vx)).intoArray(num, i);
            DoubleVector.fromArray(DW, den, i).add(w).intoArray(den, i);
        }
        for (; i < n; i++) {
            double w = c * Math.max((double) f[i], floor);
            num[i] = num[i] + w * (double) x[i];
            den[i] = den[i] + w;
        }
    }

    @Override
    public void narrowRatioOr(float[] out, double[] num, double[] den, double[] alt, double s, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            DoubleVector d = DoubleVector.fromArray(DW, den, i);
            DoubleVector ratio = DoubleVector.fromArray(DW, num, i).div(d);
            DoubleVector fallback = DoubleVector.fromArray(DW, alt, i).div(s);
            // GT is false for a NaN denominator, which takes the fallback as in the scalar twin
            DoubleVector r = fallback.blend(ratio, d.compare(VectorOperators.GT, 0.0));
            ((FloatVector) r.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = (float) (den[i] > 0 ? num[i] / den[i] : alt[i] / s);
        }
    }

    @Override
    public void countActive(long[] counts, float[] x, float[] b, float eps, double[] c, int n) {
        long unique = 0;
        long shared = 0;
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            FloatVector d = FloatVector.fromArray(FH, x, i).sub(FloatVector.fromArray(FH, b, i));
            VectorMask<Double> on = d.abs().compare(VectorOperators.GT, eps).cast(DW);
            VectorMask<Double> one = DoubleVector.fromArray(DW, c, i).compare(VectorOperators.EQ, 1.0);
            unique += on.and(one).trueCount();
            shared += on.andNot(one).trueCount();
        }
        for (; i < n; i++) {
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
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            FloatVector d = FloatVector.fromArray(FH, x, i).sub(FloatVector.fromArray(FH, b, i));
            VectorMask<Double> on = d.abs().compare(VectorOperators.GT, eps).cast(DW);
            DoubleVector wd = (DoubleVector) d.convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector vc = DoubleVector.fromArray(DW, c, i);
            // both branches are computed; the blend picks the one the scalar twin takes
            DoubleVector term = wd.div(vc).blend(wd.mul(lambda), vc.compare(VectorOperators.EQ, 1.0));
            DoubleVector s = DoubleVector.fromArray(DW, sum, i);
            s.blend(s.add(term), on).intoArray(sum, i);
        }
        for (; i < n; i++) {
            float d = x[i] - b[i];
            if (Math.abs(d) > eps) {
                sum[i] = sum[i] + (c[i] == 1 ? (double) d * lambda : (double) d / c[i]);
            }
        }
    }

    @Override
    public void narrowAddOrBase(float[] out, float[] b, double[] sum, double[] c, int n) {
        int i = 0;
        for (int bound = DW.loopBound(n); i < bound; i += DW.length()) {
            FloatVector vb = FloatVector.fromArray(FH, b, i);
            DoubleVector wb = (DoubleVector) vb.convertShape(VectorOperators.F2D, DW, 0);
            DoubleVector m = wb.add(DoubleVector.fromArray(DW, sum, i));
            FloatVector r = (FloatVector) m.convertShape(VectorOperators.D2F, FH, 0);
            VectorMask<Double> changed = DoubleVector.fromArray(DW, c, i).compare(VectorOperators.NE, 0.0);
            vb.blend(r, changed.cast(FH)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = c[i] == 0 ? b[i] : (float) ((double) b[i] + sum[i]);
        }
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        double[] p = new double[ScalarKernels.PARTIALS];
        int i = 0;
        for (int bound = n & ~7; i < bound; i += 8) {
            // p[0..3] and p[4..7] accumulate elements 0-3 and 4-7 of every 8, in order, as the reference's p[i % 8]
            DoubleVector a0 = (DoubleVector) FloatVector.fromArray(F4, a, i).convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector a1 = (DoubleVector) FloatVector.fromArray(F4, a, i + 4)
                    .convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector b0 = (DoubleVector) FloatVector.fromArray(F4, b, i).convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector b1 = (DoubleVector) FloatVector.fromArray(F4, b, i + 4)
                    .convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector.fromArray(D4, p, 0).add(a0.mul(b0)).intoArray(p, 0);
            DoubleVector.fromArray(D4, p, 4).add(a1.mul(b1)).intoArray(p, 4);
        }
        for (; i < n; i++) {
            p[i % ScalarKernels.PARTIALS] += (double) a[i] * b[i];
        }
        return ScalarKernels.fold(p);
    }

    @Override
    public double sumSquares(float[] a, int n) {
        double[] p = new double[ScalarKernels.PARTIALS];
        int i = 0;
        for (int bound = n & ~7; i < bound; i += 8) {
            DoubleVector a0 = (DoubleVector) FloatVector.fromArray(F4, a, i).convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector a1 = (DoubleVector) FloatVector.fromArray(F4, a, i + 4)
                    .convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector.fromArray(D4, p, 0).add(a0.mul(a0)).intoArray(p, 0);
            DoubleVector.fromArray(D4, p, 4).add(a1.mul(a1)).intoArray(p, 4);
        }
        for (; i < n; i++) {
            p[i % ScalarKernels.PARTIALS] += (double) a[i] * a[i];
        }
        return ScalarKernels.fold(p);
    }

    @Override
    public double sumAbs(float[] a, int n) {
        double[] p = new double[ScalarKernels.PARTIALS];
        int i = 0;
        for (int bound = n & ~7; i < bound; i += 8) {
            DoubleVector a0 = (DoubleVector) FloatVector.fromArray(F4, a, i).convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector a1 = (DoubleVector) FloatVector.fromArray(F4, a, i + 4)
                    .convertShape(VectorOperators.F2D, D4, 0);
            DoubleVector.fromArray(D4, p, 0).add(a0.abs()).intoArray(p, 0);
            DoubleVector.fromArray(D4, p, 4).add(a1.abs()).intoArray(p, 4);
        }
        for (; i < n; i++) {
            p[i % ScalarKernels.PARTIALS] += Math.abs((double) a[i]);
        }
        return ScalarKernels.fold(p);
    }
}
