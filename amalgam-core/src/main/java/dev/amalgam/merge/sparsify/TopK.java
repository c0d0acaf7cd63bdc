package dev.amalgam.merge.sparsify;

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

    @Override
    public void apply(float[] values, int n, long offset) {
        for (int e = 0; e < n; e++) {
            if (!keeps(values[e], offset + e)) {
                values[e] = 0f;
            }
        }
    }
}
