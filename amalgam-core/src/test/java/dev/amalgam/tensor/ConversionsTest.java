package dev.amalgam.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Bit-exact conversion tests: known vectors, exhaustive decode, and RNE encode against a reference. */
class ConversionsTest {

    /** Independent reference: value of a (sign, exponent, mantissa) minifloat, in double. */
    private static double minifloat(int bits, int expBits, int manBits, int bias) {
        int sign = (bits >>> (expBits + manBits)) & 1;
        int exp = (bits >>> manBits) & ((1 << expBits) - 1);
        int man = bits & ((1 << manBits) - 1);
        double mag = exp == 0 ? man * Math.pow(2, 1 - bias - manBits)
                : (1 + man / Math.pow(2, manBits)) * Math.pow(2, exp - bias);
        return sign == 1 ? -mag : mag;
    }

    @Test
    void everyBf16AndF16PatternDecodesAndRoundTrips() {
        for (int b = 0; b < 65536; b++) {
            short s = (short) b;
            int exp8 = (b >>> 7) & 0xFF;
            float bf = Conversions.bf16ToFloat(s);
            if (exp8 == 0xFF) {
                assertThat(Float.isNaN(bf) || Float.isInfinite(bf)).isTrue();
            } else {
                assertThat((double) bf).as("bf16 %04x", b).isEqualTo(minifloat(b, 8, 7, 127));
                assertThat(Conversions.floatToBf16(bf)).as("bf16 %04x", b).isEqualTo(s);
            }
            int exp5 = (b >>> 10) & 0x1F;
            float h = Conversions.f16ToFloat(s);
            if (exp5 == 0x1F) {
                assertThat(Float.isNaN(h) || Float.isInfinite(h)).isTrue();
            } else {
                assertThat((double) h).as("f16 %04x", b).isEqualTo(minifloat(b, 5, 10, 15));
                assertThat(Conversions.floatToF16(h)).as("f16 %04x", b).isEqualTo(s);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
            "1.0, 3f80", "-2.0, c000", "0.0, 0000", "-0.0, 8000",
            // halfway between 1.0 (3f80) and 1.0078125 (3f81): ties to even -> 3f80
            "1.00390625, 3f80",
            // halfway between 3f81 and 3f82: ties to even -> 3f82
            "1.01171875, 3f82",
            // just above halfway rounds up
            "1.0039064, 3f81",
            "3.3895314E38, 7f7f", "Infinity, 7f80", "-Infinity, ff80",
            // beyond bf16 max by more than half an ulp rounds to infinity
            "3.4028235E38, 7f80",
            "1.0E-40, 0001"
    })
    void bf16KnownVectors(float f, String hex) {
        assertThat(Integer.toHexString(Conversions.floatToBf16(f) & 0xFFFF)).isEqualTo(Integer.parseInt(hex, 16) == 0
                ? "0" : Integer.toHexString(Integer.parseInt(hex, 16)));
    }

    @Test
    void nanStaysNanWithItsSign() {
        short pos = Conversions.floatToBf16(Float.intBitsToFloat(0x7F800001));
        short neg = Conversions.floatToBf16(Float.intBitsToFloat(0xFF800001));
        assertThat(Float.isNaN(Conversions.bf16ToFloat(pos))).isTrue();
        assertThat(Float.isNaN(Conversions.bf16ToFloat(neg))).isTrue();
        assertThat(neg & 0x8000).isNotZero();
        assertThat(Float.isNaN(Conversions.f16ToFloat(Conversions.floatToF16(Float.NaN)))).isTrue();
        assertThat(Conversions.floatToF16(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Conversions.floatToF16(65520f)).isEqualTo((short) 0x7C00);
    }

    static IntStream seeds() {
        return IntStream.range(0, 8);
    }

    /** RNE encode of random floats equals the nearest representable value (ties to even) found by search. */
    @ParameterizedTest
    @MethodSource("seeds")
    void bf16EncodeIsRoundToNearestEven(int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 125_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) {
                continue;
            }
            int bits = Float.floatToRawIntBits(f);
            int lo = bits >>> 16;
            double down = Conversions.bf16ToFloat((short) lo);
            // the step above the largest finite value is 2^128 in magnitude (where infinity takes over)
            double up = ((lo + 1) & 0x7FFF) == 0x7F80 ? Math.copySign(Math.pow(2, 128), f)
                    : Conversions.bf16ToFloat((short) (lo + 1));
            double dd = Math.abs(f - down);
            double du = Math.abs(up - f);
            int expected = dd < du ? lo : du < dd ? lo + 1 : ((lo & 1) == 0 ? lo : lo + 1);
            assertThat(Conversions.floatToBf16(f) & 0xFFFF).as("%08x", bits).isEqualTo(expected & 0xFFFF);
        }
    }

    @Test
    void everyFp8PatternDecodesAndRoundTrips() {
        for (int b = 0; b < 256; b++) {
            float e4 = Conversions.f8e4m3ToFloat((byte) b);
            if ((b & 0x7F) == 0x7F) {
                assertThat(Float.isNaN(e4)).isTrue();
            } else {
                assertThat((double) e4).as("e4m3 %02x", b).isEqualTo(minifloat(b, 4, 3, 7));
                assertThat(Conversions.floatToF8e4m3(e4) & 0xFF).as("e4m3 %02x", b).isEqualTo(b);
            }
            float e5 = Conversions.f8e5m2ToFloat((byte) b);
            if (((b >>> 2) & 0x1F) == 0x1F) {
                assertThat(Float.isNaN(e5) || Float.isInfinite(e5)).isTrue();
            } else {
                assertThat((double) e5).as("e5m2 %02x", b).isEqualTo(minifloat(b, 5, 2, 15));
                assertThat(Conversions.floatToF8e5m2(e5) & 0xFF).as("e5m2 %02x", b).isEqualTo(b);
            }
        }
        assertThat(Conversions.f8e4m3ToFloat((byte) 0x7E)).isEqualTo(448f);
        assertThat(Conversions.floatToF8e4m3(1000f)).isEqualTo((byte) 0x7E);
        assertThat(Conversions.floatToF8e4m3(Float.NEGATIVE_INFINITY)).isEqualTo((byte) 0xFE);
        // 1.0625 is halfway between 1.0 (0x38) and 1.125 (0x39): ties to even
        assertThat(Conversions.floatToF8e4m3(1.0625f)).isEqualTo((byte) 0x38);
        assertThat(Conversions.floatToF8e5m2(Float.POSITIVE_INFINITY)).isEqualTo((byte) 0x7C);
    }

    @Test
    void bulkConversionsMatchTheScalarOnesForEveryFloatDtype() {
        SplittableRandom r = new SplittableRandom(5);
        float[] src = new float[1031];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) (r.nextGaussian() * 10);
        }
        for (DType dt : new DType[]{DType.F32, DType.F64, DType.BF16, DType.F16, DType.F8_E4M3, DType.F8_E5M2}) {
            byte[] bytes = new byte[src.length * dt.byteSize() + 3];
            MemorySegment seg = MemorySegment.ofArray(bytes);
            Conversions.fromFloat(dt, src, 0, src.length, seg, 3);
            float[] back = new float[src.length];
            Conversions.toFloat(dt, seg, 3, back, 0, src.length);
            for (int i = 0; i < src.length; i++) {
                float expected = switch (dt) {
                    case F32, F64 -> src[i];
                    case BF16 -> Conversions.bf16ToFloat(Conversions.floatToBf16(src[i]));
                    case F16 -> Conversions.f16ToFloat(Conversions.floatToF16(src[i]));
                    case F8_E4M3 -> Conversions.f8e4m3ToFloat(Conversions.floatToF8e4m3(src[i]));
                    default -> Conversions.f8e5m2ToFloat(Conversions.floatToF8e5m2(src[i]));
                };
                assertThat(back[i]).as("%s[%d]", dt, i).isEqualTo(expected);
            }
        }
    }
}
