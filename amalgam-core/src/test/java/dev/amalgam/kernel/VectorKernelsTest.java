package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests: the vector kernels must give the same bits as the scalar reference over awkward lengths
 * (empty, shorter than a vector, one off a multiple of the lane count, long with a tail) and special values.
 */
class VectorKernelsTest {
    private static final ScalarKernels SCALAR = new ScalarKernels();
    private static final VectorKernels VECTOR = new VectorKernels();
    private static final int[] LENGTHS = {0, 1, 7, 15, 16, 17, 31, 33, 1023, 1025, 4097};

    /** ±0, subnormals, normals at the edges, ±Inf, quiet/signalling NaNs of both signs, bf16 and f16 limits, ties. */
    static final float[] SPECIALS = {
            0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.intBitsToFloat(0x007FFFFF), Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFF812345),
            Float.intBitsToFloat(0x7FBFFFFF),
            Float.intBitsToFloat(0x7F7F0000), Float.intBitsToFloat(0x7F7F7FFF), Float.intBitsToFloat(0x7F7F8000),
            Float.intBitsToFloat(0xFF7F8000), Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000),
            65504f, -65504f, 65519.996f, 65520f, 65536f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 3 * 0x1p-26f, 0x1p-14f,
            0x1.ffcp-15f, 0x1.ffep-15f, 1f, -1f, 1.0009766f, 1.00048828125f, 1e-40f, -1e-45f, 2048.5f};

    static Stream<Integer> lengths() {
        return IntStream.of(LENGTHS).boxed();
    }

    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (r.nextInt(4)) {
                case 0 -> SPECIALS[r.nextInt(SPECIALS.length)];
                case 1 -> Float.intBitsToFloat(r.nextInt()); // any bit pattern
                case 2 -> (float) r.nextGaussian() * 0.02f;
                default -> (float) ((r.nextDouble() - 0.5) * 131072); // straddles the f16 range
            };
        }
        // the specials also sit at the front, inside full vectors, whatever the seed draws
        System.arraycopy(SPECIALS, 0, v, 0, Math.min(n, SPECIALS.length));
        return v;
    }

    /**
     * Bit equality, except that any NaN equals any NaN when {@code anyNaN}: Java leaves the payload of a NaN produced
     * by arithmetic on two NaNs unspecified (the CPU keeps one operand's, and the JIT may swap operands), so only
     * conversions, whose NaN rule Amalgam defines, are compared bit for bit on NaNs.
     */
    private static void assertSameBits(float[] expected, float[] actual, String what, boolean anyNaN) {
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[i]);
            if (e != a && !(anyNaN && Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                throw new AssertionError(String.format("%s: element %d of %d differs: scalar %08x (%s), vector %08x (%s)",
                        what, i, expected.length, e, expected[i], a, actual[i]));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void narrowingConversionsMatch(int n) {
        float[] src = values(n + 3, 1000 + n);
        for (DType dt : new DType[]{DType.BF16, DType.F16, DType.F32}) {
            for (int srcOff : new int[]{0, 3}) {
                int count = n;
                byte[] s = new byte[count * dt.byteSize() + 5];
                byte[] v = new byte[count * dt.byteSize() + 5];
                // an odd byte offset: shards are not aligned to the element size in general
                SCALAR.fromFloat(dt, src, srcOff, count, MemorySegment.ofArray(s), 1);
                VECTOR.fromFloat(dt, src, srcOff, count, MemorySegment.ofArray(v), 1);
                assertThat(v).as("%s n=%d srcOff=%d", dt, n, srcOff).isEqualTo(s);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void wideningConversionsMatch(int n) {
        SplittableRandom r = new SplittableRandom(77 + n);
        byte[] raw = new byte[4 * n + 7];
        r.nextBytes(raw);
        MemorySegment seg = MemorySegment.ofArray(raw);
        for (DType dt : new DType[]{DType.BF16, DType.F16, DType.F32}) {
            float[] s = new float[n + 2];
            float[] v = new float[n + 2];
            SCALAR.toFloat(dt, seg, 3, s, 2, n);
            VECTOR.toFloat(dt, seg, 3, v, 2, n);
            assertSameBits(s, v, dt + " n=" + n, false);
        }
    }

    @Test
    void everyHalfPrecisionPatternDecodesAlike() {
        byte[] raw = new byte[2 * 65536];
        for (int b = 0; b < 65536; b++) {
            raw[2 * b] = (byte) b;
            raw[2 * b + 1] = (byte) (b >>> 8);
        }
        for (DType dt : new DType[]{DType.BF16, DType.F16}) {
            float[] s = new float[65536];
            float[] v = new float[65536];
            SCALAR.toFloat(dt, MemorySegment.ofArray(raw), 0, s, 0, 65536);
            VECTOR.toFloat(dt, MemorySegment.ofArray(raw), 0, v, 0, 65536);
            assertSameBits(s, v, dt + " decode", false);
        }
    }

    @Test
    void f16EncodingIsTheJdksRoundToNearestEvenAtEveryBoundary() {
        // every f16 value, its float neighbours and the exact midpoints to the next value: where RNE is decided
        float[] probe = new float[65536 * 6];
        int k = 0;
        for (int h = 0; h < 65536; h++) {
            float f = Float.float16ToFloat((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            float next = Float.float16ToFloat((short) (h + 1));
            float mid = Float.isFinite(next) && !Float.isNaN(next) && (h & 0x7FFF) != 0x7BFF
                    ? (float) ((f + (double) next) / 2) : f;
            probe[k++] = f;
            probe[k++] = Math.nextUp(f);
            probe[k++] = Math.nextDown(f);
            probe[k++] = mid;
            probe[k++] = Math.nextUp(mid);
            probe[k++] = Math.nextDown(mid);
        }
        probe = Arrays.copyOf(probe, k);
        byte[] v = new byte[2 * k];
        VECTOR.fromFloat(DType.F16, probe, 0, k, MemorySegment.ofArray(v), 0);
        for (int i = 0; i < k; i++) {
            short got = (short) ((v[2 * i] & 0xFF) | (v[2 * i + 1] << 8));
            short want = Float.floatToFloat16(probe[i]);
            if (got != want) {
                throw new AssertionError(String.format("f16 of %s (%08x): vector %04x, JDK %04x", probe[i],
                        Float.floatToRawIntBits(probe[i]), got & 0xFFFF, want & 0xFFFF));
            }
        }
    }

    @Test
    void narrowingASparseSweepOfAllFloatsMatches() {
        // 2^32 / 65521 ≈ 65 K bit patterns spread over every exponent, sign and NaN payload (the compiled-kernel
        // test sweeps 16 times more densely, once the code is fast)
        sweepAllFloats(65521);
    }

    void sweepAllFloats(long stride) {
        int n = (int) ((1L << 32) / stride) + 1;
        float[] src = new float[n];
        for (int i = 0; i < n; i++) {
            src[i] = Float.intBitsToFloat((int) (i * stride));
        }
        for (DType dt : new DType[]{DType.BF16, DType.F16}) {
            byte[] s = new byte[2 * n];
            byte[] v = new byte[2 * n];
            SCALAR.fromFloat(dt, src, 0, n, MemorySegment.ofArray(s), 0);
            VECTOR.fromFloat(dt, src, 0, n, MemorySegment.ofArray(v), 0);
            assertThat(Arrays.mismatch(s, v)).as(dt + " first differing byte").isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void arithmeticMatches(int n) {
        float[] a = values(n, 1 + n);
        float[] b = values(n, 2 + n);
        float[] c = values(n, 3 + n);
        for (String op : new String[]{"scale", "divide", "axpy", "add", "sub", "mul", "lerp", "blend", "weightedSum",
                "abs", "quotient", "atLeast", "atLeastZero", "orIfZero", "fuseAbove", "fuseAboveZero", "nearSwap", "nearSwapWide", "nearSwapZero"}) {
            float[] s = run(SCALAR, op, a, b, c, n);
            float[] v = run(VECTOR, op, a, b, c, n);
            assertSameBits(s, v, op + " n=" + n, true);
        }
    }

    /**
     * The vector weighted sum runs one pass per input into {@code out}, so the cases where that could differ from
     * the reference's per-element sum: {@code out} being the first input or a later one, no inputs, one input, and
     * negative zeros (0 + (-0) is +0, as an accumulator that starts at 0 gives).
     */
    @ParameterizedTest
    @MethodSource("lengths")
    void weightedSumMatchesWhenOutputIsAnInput(int n) {
        float[] w = {0.2f, -0.3f, 0.5f};
        for (int alias = -1; alias < 3; alias++) {
            float[][] outs = new float[2][];
            int j = 0;
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[][] xs = {values(n, 7 + n), values(n, 8 + n), values(n, 9 + n)};
                float[] out = alias < 0 ? new float[n] : xs[alias];
                k.weightedSum(out, xs, w, 3, n);
                outs[j++] = out;
            }
            assertSameBits(outs[0], outs[1], "weightedSum into input " + alias + " n=" + n, true);
        }
        float[] negZeros = new float[n];
        Arrays.fill(negZeros, -0f);
        for (int count = 0; count <= 2; count++) {
            float[] s = values(n, 10 + n);
            float[] v = s.clone();
            SCALAR.weightedSum(s, new float[][]{negZeros, negZeros}, new float[]{1f, 1f}, count, n);
            VECTOR.weightedSum(v, new float[][]{negZeros, negZeros}, new float[]{1f, 1f}, count, n);
            assertSameBits(s, v, "weightedSum of -0 with " + count + " input(s) n=" + n, false);
            for (float f : v) {
                assertThat(Float.floatToRawIntBits(f)).as("+0, not -0").isZero();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void tiesAgreementSumMatches(int n) {
        float[] total = values(n, 4 + n);
        float[] x = values(n, 5 + n);
        for (int i = 0; i < n; i += 3) {
            total[i] = -x[i]; // disagreeing signs, and x's specials against both signs
        }
        float[][] out = new float[4][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            float[] sum = values(n, 6 + n);
            float[] wsum = values(n, 7 + n);
            k.agreeSum(sum, wsum, total, x, 0.7f, n);
            out[j++] = sum;
            out[j++] = wsum;
        }
        assertSameBits(out[0], out[2], "agreeSum sum n=" + n, true);
        assertSameBits(out[1], out[3], "agreeSum wsum n=" + n, true);
        // SCE's step: the same test, the product after it (0x1p-140 * 1e-10 underflows to zero yet counts)
        for (int i = 1; i < n; i += 5) {
            x[i] = i % 2 == 0 ? 0x1p-140f : -0x1p-140f;
        }
        for (float w : new float[]{0.7f, 1e-10f, 0f, Float.POSITIVE_INFINITY}) {
            j = 0;
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                float[] sum = values(n, 6 + n);
                float[] wsum = values(n, 7 + n);
                k.agreeScaledSum(sum, wsum, total, x, w, n);
                out[j++] = sum;
                out[j++] = wsum;
            }
            assertSameBits(out[0], out[2], "agreeScaledSum sum n=" + n + " w=" + w, true);
            assertSameBits(out[1], out[3], "agreeScaledSum wsum n=" + n + " w=" + w, true);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void hashMaskMatches(int n) {
        for (long limit : new long[]{1L << 52, 0, 1L << 53, 123_456_789_012_345L}) {
            float[] s = values(n, 8 + n);
            float[] v = s.clone();
            SCALAR.keepIfHashBelow(s, n, 0x5DEECE66DL * n, -3L + n, limit);
            VECTOR.keepIfHashBelow(v, n, 0x5DEECE66DL * n, -3L + n, limit);
            assertSameBits(s, v, "keepIfHashBelow n=" + n + " limit=" + limit, true);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void bitMaskMatches(int n) {
        SplittableRandom r = new SplittableRandom(40 + n);
        // offsets that put a vector's bits inside one word, at a word's start and straddling two words
        for (long offset : new long[]{0, 1, 63, 64, 100}) {
            long[] bits = new long[(int) ((offset + n + 63) >>> 6) + 1];
            for (int w = 0; w < bits.length; w++) {
                bits[w] = r.nextLong();
            }
            bits[0] = -1L; // a run of all-kept next to random ones
            float[] s = values(n, 9 + n);
            float[] v = s.clone();
            SCALAR.keepIfBitSet(s, n, bits, offset);
            VECTOR.keepIfBitSet(v, n, bits, offset);
            assertSameBits(s, v, "keepIfBitSet n=" + n + " offset=" + offset, false);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void magnitudeMaskMatches(int n) {
        float[] base = values(n, 41 + n);
        for (int minBits : new int[]{0, 1, 0x3F00_0000, 0x3F00_0001, 0x7F80_0000, 0x7F80_0001, 0x7FFF_FFFF,
                Float.floatToRawIntBits(Math.abs(base.length > 0 ? base[n / 2] : 1f)) & 0x7FFF_FFFF}) {
            float[] s = base.clone();
            float[] v = base.clone();
            SCALAR.keepIfMagnitudeAtLeast(s, n, minBits);
            VECTOR.keepIfMagnitudeAtLeast(v, n, minBits);
            assertSameBits(s, v, "keepIfMagnitudeAtLeast n=" + n + " min=" + Integer.toHexString(minBits), false);
        }
        if (n > 0) {
            float[] one = {-0.75f, 0.25f, Float.NaN, -0f};
            SCALAR.keepIfMagnitudeAtLeast(one, 4, Float.floatToRawIntBits(0.5f));
            assertThat(one).containsExactly(-0.75f, 0f, Float.NaN, 0f); // NaN's magnitude bits are the largest
            assertThat(Float.floatToRawIntBits(one[3])).as("a dropped -0 becomes +0").isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void bucketScanMatches(int n) {
        SplittableRandom r = new SplittableRandom(42 + n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // about one in eight in 0.5's bucket (ties and neighbours of 0.5), the rest anywhere
            int tie = 0x3F00_0000 | r.nextInt(4) | (r.nextBoolean() ? 1 << 31 : 0);
            v[i] = r.nextInt(8) == 0 ? Float.intBitsToFloat(tie) : values(1, r.nextLong())[0];
        }
        int bucket = 0x3F00;
        for (boolean remember : new boolean[]{true, false}) {
            long[] lowS = new long[1 << 16];
            long[] lowV = new long[1 << 16];
            int[] whereS = remember ? new int[n + 3] : null;
            int[] whereV = remember ? new int[n + 3] : null;
            char[] bitsS = remember ? new char[n + 3] : null;
            char[] bitsV = remember ? new char[n + 3] : null;
            int nextS = SCALAR.scanBucket(v, n, 1000, bucket, lowS, whereS, bitsS, 2);
            int nextV = VECTOR.scanBucket(v, n, 1000, bucket, lowV, whereV, bitsV, 2);
            assertThat(nextV).as("next, remember=%s", remember).isEqualTo(nextS);
            assertThat(lowV).as("counts").containsExactly(lowS);
            if (remember) {
                assertThat(whereV).containsExactly(whereS);
                assertThat(bitsV).containsExactly(bitsS);
                long expected = java.util.stream.IntStream.range(0, n)
                        .filter(i -> (Float.floatToRawIntBits(v[i]) & 0x7FFF_FFFF) >>> 16 == bucket).count();
                assertThat(nextS - 2).as("elements found in the bucket").isEqualTo((int) expected);
            } else {
                assertThat(nextS).isEqualTo(2);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void wideAccumulationMatches(int n) {
        float[] x = values(n + 3, 30 + n);
        double[] c = new double[n + 5];
        SplittableRandom r = new SplittableRandom(31 + n);
        for (int i = 0; i < c.length; i++) {
            // coefficients of every sign and scale, with a few specials among them
            c[i] = i % 11 == 5 ? new double[]{Double.NaN, -0.0, Double.POSITIVE_INFINITY}[i % 3]
                    : r.nextGaussian() * Math.pow(10, r.nextInt(-40, 40));
        }
        double[][] got = new double[2][];
        float[][] narrowed = new float[2][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            double[] acc = new double[n + 3];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = x[(i * 7) % x.length] * 0.5;
            }
            // offsets 0 and 3: the runs of LinearBlend start anywhere in the chunk
            k.axpyWide(acc, 0, x, 0.3, n);
            k.axpyWide(acc, 3, x, -1.7e-3, n);
            k.fmaWide(acc, 0, x, c, 5, n);
            k.fmaWide(acc, 3, x, c, 2, n);
            float[] out = new float[n + 3];
            k.narrow(out, acc, n + 3);
            got[j] = acc;
            narrowed[j++] = out;
        }
        for (int i = 0; i < n + 3; i++) {
            double s = got[0][i];
            double v = got[1][i];
            if (!(Double.isNaN(s) && Double.isNaN(v))) {
                assertThat(Double.doubleToRawLongBits(v)).as("wide n=" + n + " at " + i).isEqualTo(
                        Double.doubleToRawLongBits(s));
            }
        }
        assertSameBits(narrowed[0], narrowed[1], "narrow n=" + n, true);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void wideningMatches(int n) {
        float[] a = values(n, 40 + n);
        float[] b = values(n, 41 + n);
        for (int i = 1; i < n; i += 5) {
            b[i] = a[i]; // equal pairs: exactly +0 (or NaN), as for a fine-tune equal to its base
        }
        double[][] w = new double[4][n];
        SCALAR.widen(w[0], a, n);
        VECTOR.widen(w[1], a, n);
        SCALAR.widenSub(w[2], a, b, n);
        VECTOR.widenSub(w[3], a, b, n);
        for (int i = 0; i < n; i++) {
            // widening keeps NaN payloads bit for bit; a difference only promises NaN-ness
            assertThat(Double.doubleToRawLongBits(w[1][i])).as("widen n=" + n + " at " + i)
                    .isEqualTo(Double.doubleToRawLongBits(w[0][i]));
            if (!(Double.isNaN(w[2][i]) && Double.isNaN(w[3][i]))) {
                assertThat(Double.doubleToRawLongBits(w[3][i])).as("widenSub n=" + n + " at " + i)
                        .isEqualTo(Double.doubleToRawLongBits(w[2][i]));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void averagesMatch(int n) {
        float[][] xs = {values(n, 60 + n), values(n, 61 + n), values(n, 62 + n)};
        float[][] out = new float[4][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            double[] acc = new double[n];
            k.widen(acc, xs[0], n);
            k.decayWide(acc, 0.999, xs[1], 1 - 0.999, n);
            k.decayWide(acc, 0.25, xs[2], 0.75, n);
            out[j] = new float[n];
            k.narrow(out[j++], acc, n);
            double[] s = new double[n];
            for (float[] x : xs) {
                k.axpyWide(s, 0, x, 1.0, n);
            }
            out[j] = new float[n];
            k.narrowScaled(out[j++], s, 1.0 / 3, n);
        }
        assertSameBits(out[0], out[2], "widen + decayWide + narrow n=" + n, true);
        assertSameBits(out[1], out[3], "axpyWide + narrowScaled n=" + n, true);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void clientDeltasMatch(int n) {
        float[] base = values(n, 70 + n);
        float[][] xs = {values(n, 71 + n), values(n, 72 + n), base.clone()};
        double[] omega = {0.5, 0.3, 0.2};
        float[][] out = new float[2][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            double[] d = new double[n];
            for (int c = 0; c < xs.length; c++) {
                k.axpyDiffWide(d, omega[c], xs[c], base, n);
            }
            out[j] = new float[n];
            k.narrowAxpy(out[j++], base, 0.7, d, n);
        }
        assertSameBits(out[0], out[1], "axpyDiffWide + narrowAxpy n=" + n, true);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void ramMeanMatches(int n) {
        float[] b = values(n, 50 + n);
        float[][] xs = {values(n, 51 + n), values(n, 52 + n), b.clone()};
        for (int i = 0; i < n; i += 4) {
            xs[0][i] = b[i] + 1e-3f; // changes right at the threshold scale
        }
        float[][] out = new float[2][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            double[] sum = new double[n];
            double[] count = new double[n];
            for (float[] x : xs) {
                k.addIfAbove(sum, count, x, b, 1e-3f, n);
            }
            out[j] = new float[n];
            k.meanOrBase(out[j++], b, sum, count, n);
        }
        assertSameBits(out[0], out[1], "addIfAbove + meanOrBase n=" + n, true);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void largestMagnitudeMatches(int n) {
        float[][] xs = {values(n, 70 + n), values(n, 71 + n), values(n, 72 + n)};
        for (int i = 0; i < n; i += 5) {
            xs[1][i] = -xs[0][i]; // equal magnitudes: the later input must win
        }
        float[][] best = new float[2][];
        float[][] bestAbs = new float[2][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            best[j] = new float[n];
            bestAbs[j] = new float[n];
            java.util.Arrays.fill(bestAbs[j], -1f);
            for (float[] x : xs) {
                k.keepLargerMagnitude(best[j], bestAbs[j], x, n);
            }
            j++;
        }
        assertSameBits(best[0], best[1], "keepLargerMagnitude best n=" + n, false);
        assertSameBits(bestAbs[0], bestAbs[1], "keepLargerMagnitude |best| n=" + n, false);
        if (n > 5) {
            // the scalar reference by hand at a tie: element 5 (i % 5 == 0) of input 1 is −(input 0)
            float a0 = Math.abs(xs[0][5]), a2 = Math.abs(xs[2][5]);
            if (!Float.isNaN(a0) && !Float.isNaN(a2) && a0 > a2) {
                assertThat(best[0][5]).isEqualTo(xs[1][5]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void fisherMatches(int n) {
        float[][] xs = {values(n, 60 + n), values(n, 61 + n)};
        // Fisher values: the specials (negative, NaN, ±0 and infinite ones meet the floor) and realistic ones
        float[][] fs = {values(n, 62 + n), values(n, 63 + n)};
        for (int i = 0; i < n; i += 3) {
            fs[1][i] = 0f; // both at or below the floor: the weighted-mean fallback where floor = 0
            fs[0][i] = -1f;
        }
        for (double floor : new double[]{1e-6, 0}) {
            float[][] out = new float[2][];
            int j = 0;
            for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
                double[] num = new double[n];
                double[] den = new double[n];
                double[] plain = new double[n];
                double[] c = {0.3, 0.7};
                for (int m = 0; m < 2; m++) {
                    k.fisherStep(num, den, xs[m], fs[m], c[m], floor, n);
                    k.axpyWide(plain, 0, xs[m], c[m], n);
                }
                out[j] = new float[n];
                k.narrowRatioOr(out[j++], num, den, plain, 1.0, n);
            }
            assertSameBits(out[0], out[1], "fisherStep + narrowRatioOr n=" + n + " floor=" + floor, true);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void ramPlusMatches(int n) {
        float[] b = values(n, 70 + n);
        float[][] xs = {values(n, 71 + n), b.clone(), b.clone()};
        for (int i = 0; i < n; i += 2) {
            xs[1][i] = b[i] + 1e-3f; // at the threshold's scale: some elements one model changes, some several
        }
        for (int i = 0; i < n; i += 5) {
            xs[2][i] = xs[0][i];
        }
        long[][] counts = new long[2][];
        float[][] out = new float[2][];
        int j = 0;
        for (Kernels k : new Kernels[]{SCALAR, VECTOR}) {
            double[] c = new double[n];
            double[] scratch = new double[n];
            for (float[] x : xs) {
                k.addIfAbove(scratch, c, x, b, 1e-3f, n);
            }
            counts[j] = new long[2];
            double[] sum = new double[n];
            for (float[] x : xs) {
                k.countActive(counts[j], x, b, 1e-3f, c, n);
                k.ramPlusStep(sum, c, x, b, 1e-3f, 1.15, n);
            }
            out[j] = new float[n];
            k.narrowAddOrBase(out[j++], b, sum, c, n);
        }
        assertThat(counts[1]).as("countActive n=" + n).containsExactly(counts[0]);
        assertSameBits(out[0], out[1], "ramPlusStep + narrowAddOrBase n=" + n, true);
    }

    @Test
    void narrowRoundsToNearestEven() {
        double[] a = {1.0 + 0x1p-24, 1.0 + 0x1p-24 + 0x1p-50, 1.0 + 3 * 0x1p-24, 0x1p-150, 0x1p-149 * 1.5, -0.0,
                Double.MAX_VALUE, -1e300, Double.MIN_VALUE, 3.4028235677973366e38, 1e-46, -1e-46, 5.877471754111438e-39,
                1.0, 2.0, 3.0, 0.1, 1.0 / 3};
        float[] s = new float[a.length];
        float[] v = new float[a.length];
        SCALAR.narrow(s, a, a.length);
        VECTOR.narrow(v, a, a.length);
        assertSameBits(s, v, "narrow edge cases", false);
    }

    private static float[] run(Kernels k, String op, float[] a, float[] b, float[] c, int n) {
        float[] out = b.clone();
        switch (op) {
            case "scale" -> k.scale(out, a, 0.3f, n);
            case "divide" -> k.divide(out, a, 1.7f, n);
            case "axpy" -> k.axpy(out, a, -0.45f, n);
            case "add" -> k.add(out, a, b, n);
            case "sub" -> k.sub(out, a, b, n);
            case "mul" -> k.mul(out, a, b, n);
            case "lerp" -> k.lerp(out, a, b, 0.35f, n);
            case "blend" -> k.blend(out, a, 0.6f, b, 0.7f, n);
            case "weightedSum" -> k.weightedSum(out, new float[][]{a, b, c}, new float[]{0.2f, 0.3f, 0.5f}, 3, n);
            case "abs" -> k.abs(out, a, n);
            case "quotient" -> k.quotient(out, a, b, n);
            case "atLeast" -> k.atLeast(out, a, 1e-6f, n);
            case "orIfZero" -> k.orIfZero(out, a, 1f, n);
            case "fuseAbove" -> k.fuseAbove(out, a, b, 0.75f, 0.01f, 0, n);
            // threshold 0: every finite difference is taken, NaN and 0·Inf ones are not; two runs, the second
            // starting off a vector boundary
            case "fuseAboveZero" -> {
                k.fuseAbove(out, a, b, Float.POSITIVE_INFINITY, 0f, 0, n / 3);
                k.fuseAbove(out, a, b, 2.5f, 1e-3f, n / 3, n - n / 3);
            }
            case "atLeastZero" -> k.atLeast(out, a, -0f, n); // ±0 against −0
            case "nearSwap" -> k.nearSwap(out, a, b, 0.35f, n);
            // a t that swaps most random pairs outright, and t = 0 (0/0 where a == b, so NaN meets the clamp)
            case "nearSwapWide" -> k.nearSwap(out, a, b, 1e30f, n);
            case "nearSwapZero" -> k.nearSwap(out, a, a, 0f, n);
            default -> throw new IllegalArgumentException(op);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void reductionsMatch(int n) {
        float[] a = values(n, 10 + n);
        float[] b = values(n, 20 + n);
        // finite values of a realistic magnitude as well, where the sums are numbers rather than Inf/NaN
        SplittableRandom r = new SplittableRandom(n);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian() * 1e-3f;
        }
        for (float[][] p : new float[][][]{{a, b}, {x, y}}) {
            assertSameSum(SCALAR.dot(p[0], p[1], n), VECTOR.dot(p[0], p[1], n), "dot n=" + n);
            assertSameSum(SCALAR.sumSquares(p[0], n), VECTOR.sumSquares(p[0], n), "sumSquares n=" + n);
            assertSameSum(SCALAR.sumAbs(p[1], n), VECTOR.sumAbs(p[1], n), "sumAbs n=" + n);
        }
        assertThat(VECTOR.dot(x, y, n)).as("a finite sum stays finite").isFinite();
    }

    private static void assertSameSum(double scalar, double vector, String what) {
        if (Double.isNaN(scalar) && Double.isNaN(vector)) {
            return; // payload unspecified, as for arithmetic
        }
        assertThat(Double.doubleToRawLongBits(vector)).as(what + ": " + scalar + " vs " + vector)
                .isEqualTo(Double.doubleToRawLongBits(scalar));
    }
}
