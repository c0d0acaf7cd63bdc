package dev.amalgam.kernel;

/**
 * Magnitude top-k by selection, not sorting (for TIES / breadcrumbs trimming, compat.md §1.3): the k-th largest
 * {@code |x|} is found with two counting passes over the float bits, in O(n) time and 384 KB of histograms,
 * instead of mergekit's O(n log n) argsort with 8-byte indices per element. For non-negative floats the IEEE bit
 * pattern orders like the value, so {@code bits & 0x7FFFFFFF} is a 31-bit key: the first pass counts its top 15
 * bits, the second the low 16 bits of the elements in the bucket where the k-th largest falls.
 *
 * <p>Exactly k elements survive, as in mergekit. Ties at the threshold are broken by position: the earliest
 * elements with the threshold magnitude are kept (torch leaves the choice unspecified; a fixed rule keeps the
 * result independent of threads and chunking). NaN's bit pattern sorts above infinity, so NaNs count as the
 * largest magnitudes; {@code -0.0} and {@code 0.0} are equal.
 */
public final class TopK {
    private TopK() {
    }

    /**
     * Where to cut: keep every element whose magnitude bits exceed {@code thresholdBits}, and the first
     * {@code keepAtThreshold} elements (by index) whose magnitude bits equal it. {@code thresholdBits} is -1 when
     * everything is kept and {@code Integer.MAX_VALUE} (with nothing kept at it) when nothing is.
     */
    public record Cut(int thresholdBits, long keepAtThreshold) {
    }

    /** The cut that keeps the {@code k} largest magnitudes of {@code x[0 .. n)}. */
    public static Cut cut(float[] x, int n, long k) {
        if (k >= n) {
            return new Cut(-1, 0);
        }
        if (k <= 0) {
            return new Cut(Integer.MAX_VALUE, 0);
        }
        int[] high = new int[1 << 15];
        for (int i = 0; i < n; i++) {
            high[(Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF) >>> 16]++;
        }
        long above = 0;
        int hb = high.length - 1;
        while (above + high[hb] < k) {
            above += high[hb--];
        }
        int[] low = new int[1 << 16];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF;
            if (bits >>> 16 == hb) {
                low[bits & 0xFFFF]++;
            }
        }
        int lb = low.length - 1;
        while (above + low[lb] < k) {
            above += low[lb--];
        }
        return new Cut(hb << 16 | lb, k - above);
    }

    /** Zeroes every element of {@code x[0 .. n)} except the {@code k} largest in magnitude; returns how many were kept. */
    public static long keepLargest(float[] x, int n, long k) {
        Cut c = cut(x, n, k);
        long atThreshold = c.keepAtThreshold();
        long kept = 0;
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF;
            if (bits > c.thresholdBits() || bits == c.thresholdBits() && atThreshold-- > 0) {
                kept++;
            } else {
                x[i] = 0f;
            }
        }
        return kept;
    }
}
