package dev.amalgam.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between the stored dtypes and float32, the scalar reference implementations. Rounding to a
 * narrower format is always round-to-nearest-even; NaN stays NaN (quiet, sign kept), infinities stay infinite.
 */
public final class Conversions {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Conversions() {
    }

    /** bfloat16 is the upper half of a float32: widening is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round-to-nearest-even to bfloat16; NaN becomes a quiet NaN with the same sign. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounded = x + 0x7FFF + ((x >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /**
     * IEEE binary16 to float32 (exact). A NaN comes out quiet with its sign and payload kept, the same on every
     * path (the JDK's intrinsic and its Java fallback may differ on signalling NaNs, so they are not used for NaN).
     */
    public static float f16ToFloat(short bits) {
        int mag = bits & 0x7FFF;
        if (mag > 0x7C00) {
            return Float.intBitsToFloat((bits & 0x8000) << 16 | 0x7FC00000 | (mag & 0x3FF) << 13);
        }
        return Float.float16ToFloat(bits);
    }

    /**
     * float32 to IEEE binary16, round-to-nearest-even (the JDK intrinsic); NaN becomes a quiet NaN with the same
     * sign and the top payload bits, like {@link #floatToBf16}.
     */
    public static short floatToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) & 0x8000 | 0x7E00 | (x >>> 13) & 0x3FF);
        }
        return Float.floatToFloat16(f);
    }

    /** OCP FP8 E4M3 "fn": bias 7, no infinities, S.1111.111 is NaN, max 448. */
    public static float f8e4m3ToFloat(byte b) {
        int v = b & 0xFF;
        int sign = v >>> 7;
        int exp = (v >>> 3) & 0xF;
        int man = v & 0x7;
        float mag;
        if (exp == 0xF && man == 0x7) {
            mag = Float.NaN;
        } else if (exp == 0) {
            mag = man * 0x1p-9f;
        } else {
            mag = (1 + man / 8f) * Math.scalb(1f, exp - 7);
        }
        return sign == 1 ? -mag : mag;
    }

    /** float32 to E4M3 with round-to-nearest-even; finite overflow and ±Inf saturate to ±448, NaN maps to NaN. */
    public static byte floatToF8e4m3(float f) {
        if (Float.isNaN(f)) {
            return (byte) 0x7F;
        }
        int sign = Float.floatToRawIntBits(f) >>> 31 << 7;
        float a = Math.abs(f);
        if (a >= 464f) {
            // 448 is the largest finite value; halfway to the next (unrepresentable) step 480 is 464
            return (byte) (sign | 0x7E);
        }
        return (byte) (sign | encodeMinifloat(a, 3, 7, -6, 0x7E));
    }

    /** FP8 E5M2: bias 15, IEEE-like with infinities and NaN. */
    public static float f8e5m2ToFloat(byte b) {
        return Float.float16ToFloat((short) ((b & 0xFF) << 8));
    }

    /** float32 to E5M2 with round-to-nearest-even (via the exact binary16 layout: E5M2 is its top byte). */
    public static byte floatToF8e5m2(float f) {
        if (Float.isNaN(f)) {
            return (byte) (Float.floatToRawIntBits(f) >>> 31 << 7 | 0x7E);
        }
        int sign = Float.floatToRawIntBits(f) >>> 31 << 7;
        float a = Math.abs(f);
        if (Float.isInfinite(a) || a >= 61440f) {
            // 57344 is the largest finite value; halfway to 65536 (the next step) is 61440: round to infinity
            return (byte) (sign | 0x7C);
        }
        return (byte) (sign | encodeMinifloat(a, 2, 15, -14, 0x7B));
    }

    /**
     * Encodes a non-negative finite value into a minifloat with {@code manBits} mantissa bits and the given bias,
     * rounding to nearest even; {@code maxCode} is the largest finite code (the caller handles overflow).
     */
    private static int encodeMinifloat(float a, int manBits, int bias, int minExp, int maxCode) {
        if (a == 0f) {
            return 0;
        }
        // subnormal spacing 2^(minExp - manBits); values are multiples of it below 2^minExp
        double unit = Math.scalb(1.0, minExp - manBits);
        int exp = Math.getExponent(a);
        int code;
        if (exp < minExp) {
            double q = a / unit;
            long r = Math.round(q);
            if (Math.abs(q - Math.floor(q) - 0.5) == 0 && (r & 1) == 1) {
                r--;
            }
            code = (int) r; // may round up into the smallest normal, whose code is exactly 1 << manBits
        } else {
            double scaled = a / Math.scalb(1.0, exp - manBits);
            long r = (long) Math.floor(scaled);
            double frac = scaled - r;
            if (frac > 0.5 || (frac == 0.5 && (r & 1) == 1)) {
                r++;
            }
            int e = exp;
            if (r == (2L << manBits)) {
                r >>= 1;
                e++;
            }
            code = ((e + bias) << manBits) | (int) (r & ((1 << manBits) - 1));
        }
        return Math.min(code, maxCode);
    }

    /** Reads {@code n} elements of {@code dt} at {@code byteOffset} of {@code src} into {@code dst} as float32. */
    public static void toFloat(DType dt, MemorySegment src, long byteOffset, float[] dst, int dstOff, int n) {
        long p = byteOffset;
        switch (dt) {
            case F32 -> {
                for (int i = 0; i < n; i++, p += 4) {
                    dst[dstOff + i] = src.get(FLOAT, p);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst[dstOff + i] = bf16ToFloat(src.get(SHORT, p));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst[dstOff + i] = f16ToFloat(src.get(SHORT, p));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++, p += 8) {
                    dst[dstOff + i] = (float) src.get(DOUBLE, p);
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++, p++) {
                    dst[dstOff + i] = f8e4m3ToFloat(src.get(ValueLayout.JAVA_BYTE, p));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++, p++) {
                    dst[dstOff + i] = f8e5m2ToFloat(src.get(ValueLayout.JAVA_BYTE, p));
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++, p++) {
                    dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, p);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++, p++) {
                    dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, p) & 0xFF;
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst[dstOff + i] = src.get(SHORT, p);
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst[dstOff + i] = src.get(SHORT, p) & 0xFFFF;
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++, p += 4) {
                    dst[dstOff + i] = src.get(INT, p);
                }
            }
            case U32 -> {
                for (int i = 0; i < n; i++, p += 4) {
                    dst[dstOff + i] = src.get(INT, p) & 0xFFFFFFFFL;
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++, p += 8) {
                    dst[dstOff + i] = src.get(LONG, p);
                }
            }
            case U64 -> {
                for (int i = 0; i < n; i++, p += 8) {
                    long v = src.get(LONG, p);
                    dst[dstOff + i] = v >= 0 ? v : (float) (v >>> 1) * 2f;
                }
            }
            default -> throw new IllegalArgumentException("cannot read " + dt + " as float32");
        }
    }

    /** Writes {@code n} floats as {@code dt} (F64, F32, BF16, F16, F8_E4M3, F8_E5M2) at {@code byteOffset}. */
    public static void fromFloat(DType dt, float[] src, int srcOff, int n, MemorySegment dst, long byteOffset) {
        long p = byteOffset;
        switch (dt) {
            case F32 -> {
                for (int i = 0; i < n; i++, p += 4) {
                    dst.set(FLOAT, p, src[srcOff + i]);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst.set(SHORT, p, floatToBf16(src[srcOff + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++, p += 2) {
                    dst.set(SHORT, p, floatToF16(src[srcOff + i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++, p += 8) {
                    dst.set(DOUBLE, p, src[srcOff + i]);
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++, p++) {
                    dst.set(ValueLayout.JAVA_BYTE, p, floatToF8e4m3(src[srcOff + i]));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++, p++) {
                    dst.set(ValueLayout.JAVA_BYTE, p, floatToF8e5m2(src[srcOff + i]));
                }
            }
            default -> throw new IllegalArgumentException("cannot write float32 values as " + dt);
        }
    }
}
