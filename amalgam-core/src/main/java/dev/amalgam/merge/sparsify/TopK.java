package dev.amalgam.merge.sparsify;

import dev.amalgam.kernel.Kernels;

/**
 * The k elements of largest magnitude of a tensor, as found by {@link MagnitudeSelection}: an element survives
 * when its magnitude bits exceed {@code thresholdBits}, or equal them and its flat index is at most
 * {@code lastTiedIndex}. This is the total order "larger magnitude first, then lower flat index first", so
 * exactly k elements survive even when equal magnitudes straddle the cut.
 *
 * @param k             how many elements survive
 * @param thresholdBits {@link #magnitudeBits} of the k-th largest element (-1: all survive)
 * @param lastTiedIndex the largest flat index kept among elements whose magnitude equals the threshold
 */
public record TopK(long k, int thresholdBits, long lastTiedIndex) implements SparseMask {
    /** No element survives. */
    public static TopK none() {
        return new TopK(0, Integer.MAX_VALUE, -1);
    }

    /** Every element survives. */
    public static TopK all(long numel) {
        return new TopK(numel, -1, Long.MAX_VALUE);
    }

    /**
     * The float's magnitude as an int that orders like the magnitude: for non-negative IEEE 754 values the bit
     * pattern is monotonic in the value. Clearing the sign bit also makes -0.0 equal to 0.0; a NaN ranks above
     * every number.
     */
    public static int magnitudeBits(float v) {
        return Float.floatToRawIntBits(v) & 0x7FFF_FFFF;
    }

    public boolean keeps(float value, long index) {
        int bits = magnitudeBits(value);
        return bits > thresholdBits || (bits == thresholdBits && index <= lastTiedIndex);
    }

    /**
     * Branch-free where it can be (half the elements survive at density 0.5, so a branch per element mispredicts
     * half the time): in a chunk that lies wholly before or after {@code lastTiedIndex} the rule is a plain
     * threshold on the magnitude bits, applied by a kernel ({@code keepIfMagnitudeAtLeast}). Dropped elements become
     * +0.0 and kept ones keep their exact bits, as in the per-element rule.
     */
    @Override
    public void apply(float[] values, int n, long offset) {
        if (k == 0) {
            java.util.Arrays.fill(values, 0, n, 0f);
            return;
        }
        int min;
        if (offset > lastTiedIndex) {
            min = thresholdBits + 1; // ties at the threshold are all dropped here
        } else if (offset + n - 1 <= lastTiedIndex) {
            min = thresholdBits; // ties at the threshold are all kept here
        } else {
            for (int e = 0; e < n; e++) {
                if (!keeps(values[e], offset + e)) {
                    values[e] = 0f;
                }
            }
            return;
        }
        if (min <= 0 && thresholdBits < Integer.MAX_VALUE) {
            return; // every magnitude is ≥ 0
        }
        if (min < 0) {
            java.util.Arrays.fill(values, 0, n, 0f); // threshold + 1 overflowed: nothing is above the largest bits
            return;
        }
        // keep ⟺ magnitude bits ≥ min, min in [1, 2³¹ − 1] here: a kernel, because the JIT does not vectorize the
        // float-to-bits reinterpretation of a plain loop (as such a loop this pass was 6.6% of a TIES merge)
        Kernels.active().keepIfMagnitudeAtLeast(values, n, min);
    }
}
