package dev.amalgam.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The reference kernels against hand-computed values (the vector kernels are then compared to these). */
class ScalarKernelsTest {
    private final Kernels k = new ScalarKernels();

    /**
     * The weighted sum runs one pass per input; these are the cases where that could differ from accumulating per
     * element: an output that is also an input (first or later), no inputs, and a sum of negative zeros.
     */
    @Test
    void weightedSumWithAliasedOutputNoInputsAndNegativeZero() {
        float[] w = {0.5f, 0.25f, 2f};
        float[] a = {1, 2, -4, 8};
        float[] b = {3, 4, 0.5f, -8};
        float[] c = {-1, 0, 1, 0.125f};
        float[] expected = new float[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = ((0f + 0.5f * a[i]) + 0.25f * b[i]) + 2f * c[i];
        }
        assertThat(expected).containsExactly(-0.75f, 2f, 0.125f, 2.25f);
        float[] later = c.clone();
        k.weightedSum(later, new float[][]{a, b, later}, w, 3, 4);
        assertThat(later).containsExactly(expected);
        float[] first = a.clone();
        k.weightedSum(first, new float[][]{first, b, c}, w, 3, 4);
        assertThat(first).containsExactly(expected);
        float[] none = {7, 7, 7};
        k.weightedSum(none, new float[0][], new float[0], 0, 2);
        assertThat(none).containsExactly(0f, 0f, 7f);
        float[] zeros = new float[1];
        k.weightedSum(zeros, new float[][]{{-0f}, {-0f}}, new float[]{1f, 1f}, 2, 1);
        assertThat(Float.floatToRawIntBits(zeros[0])).isZero(); // 0 + (-0) + (-0) is +0
    }

    @Test
    void arithmeticByHand() {
        float[] a = {1, 2, -4, 8};
        float[] b = {3, 4, 0.5f, -8};
        float[] out = new float[4];
        k.weightedSum(out, new float[][]{a, b}, new float[]{0.5f, 0.25f}, 2, 4);
        assertThat(out).containsExactly(1.25f, 2f, -1.875f, 2f);
        k.lerp(out, a, b, 0.25f, 4);
        assertThat(out).containsExactly(1.5f, 2.5f, -2.875f, 4f);
        k.blend(out, a, 2f, b, -1f, 4);
        assertThat(out).containsExactly(-1f, 0f, -8.5f, 24f);
        k.sub(out, a, b, 4);
        assertThat(out).containsExactly(-2f, -2f, -4.5f, 16f);
        k.mul(out, a, b, 4);
        assertThat(out).containsExactly(3f, 8f, -2f, -64f);
        float[] acc = {1, 1, 1, 1};
        k.axpy(acc, a, 0.5f, 4);
        assertThat(acc).containsExactly(1.5f, 2f, -1f, 5f);
        k.divide(out, a, 4f, 4);
        assertThat(out).containsExactly(0.25f, 0.5f, -1f, 2f);
        k.abs(out, a, 4);
        assertThat(out).containsExactly(1f, 2f, 4f, 8f);
        // only the first n elements are touched
        float[] part = {9, 9, 9};
        k.scale(part, new float[]{1, 2, 3}, 2f, 2);
        assertThat(part).containsExactly(2f, 4f, 9f);
    }

    @Test
    void tiesAgreementSumByHand() {
        // majority +, +, -, -, -0 (counts as +), NaN (counts as -)
        float[] total = {2, 2, -1, -1, -0f, Float.NaN};
        float[] x = {3, -3, -2, 0, 4, -5};
        float[] sum = {1, 1, 1, 1, 1, 1};
        float[] wsum = {0, 0, 0, 0, 0, 0};
        k.agreeSum(sum, wsum, total, x, 0.5f, 6);
        assertThat(sum).containsExactly(4f, 1f, -1f, 1f, 5f, -4f);
        assertThat(wsum).containsExactly(0.5f, 0f, 0.5f, 0f, 0.5f, 0.5f);
    }

    @Test
    void reductionsByHandInFloat64() {
        float[] a = {1, 2, 3, -4, 5, 6, 7, 8, 9, 10};
        float[] b = {4, 5, 6, 1, 1, 1, 1, 1, 1, 0.5f};
        assertThat(k.dot(a, b, 10)).isEqualTo(4 + 10 + 18 - 4 + 5 + 6 + 7 + 8 + 9 + 5.0);
        assertThat(k.sumSquares(a, 3)).isEqualTo(14.0);
        assertThat(k.sumAbs(a, 4)).isEqualTo(10.0);
        // float64 accumulation keeps what a float32 sum would lose: 1e8 + 1 + ... + 1
        float[] big = new float[17];
        java.util.Arrays.fill(big, 1f);
        big[0] = 1e8f;
        assertThat(k.sumAbs(big, 17)).isEqualTo(1e8 + 16);
        assertThat(k.dot(new float[0], new float[0], 0)).isEqualTo(0.0);
    }

    @Test
    void conversionsRoundToNearestEvenAndKeepNaNQuiet() {
        float[] src = {1f, Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.NaN,
                Float.intBitsToFloat(0xFF800001), 65520f, 0x1p-25f, 0x1.8p-24f};
        byte[] bf = new byte[16];
        k.fromFloat(DType.BF16, src, 0, 8, MemorySegment.ofArray(bf), 0);
        // 1.0; a tie rounds down to even 0x3F80; the next tie up to even 0x3F82; NaNs stay quiet and signed; 65520
        // is more than half a bf16 ulp above 0x477F and rounds up
        assertThat(shorts(bf)).containsExactly(0x3F80, 0x3F80, 0x3F82, 0x7FC0, 0xFFC0, 0x4780, 0x3300, 0x33C0);
        byte[] h = new byte[16];
        k.fromFloat(DType.F16, src, 0, 8, MemorySegment.ofArray(h), 0);
        // 65520 is halfway past f16 max and rounds to +Inf; 2^-25 is half the smallest subnormal and ties to 0;
        // 1.5 * 2^-24 ties to the even subnormal 2
        assertThat(shorts(h)).containsExactly(0x3C00, 0x3C04, 0x3C0C, 0x7E00, 0xFE00, 0x7C00, 0x0000, 0x0002);
        float[] back = new float[8];
        k.toFloat(DType.F16, MemorySegment.ofArray(h), 0, back, 0, 8);
        assertThat(back[5]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(back[4])).isEqualTo(0xFFC00000);
        assertThat(back[7]).isEqualTo(0x1p-23f);
    }

    private static int[] shorts(byte[] b) {
        int[] s = new int[b.length / 2];
        for (int i = 0; i < s.length; i++) {
            s[i] = (b[2 * i] & 0xFF) | (b[2 * i + 1] & 0xFF) << 8;
        }
        return s;
    }

    @Test
    void selectionHonoursTheProperty() {
        assertThat(KernelSelection.choose("scalar")).isInstanceOf(ScalarKernels.class);
        assertThat(KernelSelection.choose("scalar").description()).contains("forced");
        assertThat(KernelSelection.choose("vector")).isInstanceOf(VectorKernels.class);
        assertThat(KernelSelection.choose("auto")).isInstanceOf(WarmingKernels.class);
        assertThat(KernelSelection.choose("bogus").description()).contains("unknown");
    }
}
