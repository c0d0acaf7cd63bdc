package dev.amalgam.merge.sparsify;

/**
 * Finds the k elements of largest magnitude by a radix (histogram) select on the float bits, streaming the
 * source in chunks: no sort, no copy of the tensor, O(n) time and 2¹⁵ + 2¹⁶ counters of memory.
 *
 * <p>The magnitude of a float orders like its bit pattern with the sign cleared ({@link TopK#magnitudeBits}),
 * a 31-bit integer. Pass 1 counts the high 15 bits and finds the bucket holding the k-th largest; pass 2
 * counts the low 16 bits inside that bucket, which gives the exact k-th largest value. If several elements
 * share that value and only some of them fit, pass 3 finds the flat index of the last one kept.
 *
 * <p>Tie rule (deterministic): among equal magnitudes the element with the lower flat index ranks higher, so
 * exactly k elements survive. mergekit keeps the first k of an unstable {@code argsort}, which breaks such
 * ties arbitrarily (compat.md §1.3); for float32 task vectors exact ties at the cut are rare.
 */
public final class MagnitudeSelection {
    private static final int HIGH_BUCKETS = 1 << 15;
    private static final int LOW_BUCKETS = 1 << 16;
    /** At most this many positions of the threshold bucket are remembered in pass 2 (6 bytes each: 24 MiB). */
    private static final long MAX_REMEMBERED = 1 << 22;

    private MagnitudeSelection() {
    }

    /** The top {@code k} of the {@code numel} values of {@code src} by magnitude (k is clamped to [0, numel]). */
    public static TopK select(ValueSource src, long numel, long k) {
        if (k <= 0) {
            return TopK.none();
        }
        if (k >= numel) {
            return TopK.all(numel);
        }
        long[] high = new long[HIGH_BUCKETS];
        Chunks.forEach(src, numel, (v, n, off) -> {
            for (int e = 0; e < n; e++) {
                high[TopK.magnitudeBits(v[e]) >>> 16]++;
            }
            return true;
        });
        int hb = HIGH_BUCKETS - 1;
        long above = 0;
        while (above + high[hb] < k) {
            above += high[hb--];
        }
        long needInBucket = k - above;
        final int bucket = hb;
        long[] low = new long[LOW_BUCKETS];
        long inBucket = high[bucket];
        // Pass 2 also remembers where the bucket's elements are (when few enough), so ties at the threshold are
        // resolved from that list instead of a third pass over the inputs. bf16 task vectors take few distinct
        // values, so such ties are the rule rather than the exception.
        boolean remember = inBucket <= MAX_REMEMBERED && numel <= Integer.MAX_VALUE;
        int[] where = remember ? new int[(int) inBucket] : null;
        char[] lowBits = remember ? new char[(int) inBucket] : null;
        int[] seen = {0};
        Chunks.forEach(src, numel, (v, n, off) -> {
            for (int e = 0; e < n; e++) {
                int bits = TopK.magnitudeBits(v[e]);
                if (bits >>> 16 == bucket) {
                    low[bits & 0xFFFF]++;
                    if (remember) {
                        where[seen[0]] = (int) (off + e);
                        lowBits[seen[0]++] = (char) bits;
                    }
                }
            }
            return true;
        });
        int lb = LOW_BUCKETS - 1;
        long aboveInBucket = 0;
        while (aboveInBucket + low[lb] < needInBucket) {
            aboveInBucket += low[lb--];
        }
        int threshold = bucket << 16 | lb;
        long tiesKept = needInBucket - aboveInBucket;
        if (tiesKept == low[lb]) {
            return new TopK(k, threshold, Long.MAX_VALUE);
        }
        if (remember) {
            long found = 0;
            for (int c = 0; c < where.length; c++) {
                if (lowBits[c] == lb && ++found == tiesKept) {
                    return new TopK(k, threshold, where[c]);
                }
            }
        }
        return new TopK(k, threshold, nthIndexOf(src, numel, threshold, tiesKept));
    }

    /** Flat index of the {@code nth} (1-based) element whose magnitude bits equal {@code bits}. */
    private static long nthIndexOf(ValueSource src, long numel, int bits, long nth) {
        long[] found = {0, -1};
        Chunks.forEach(src, numel, (v, n, off) -> {
            for (int e = 0; e < n; e++) {
                if (TopK.magnitudeBits(v[e]) == bits && ++found[0] == nth) {
                    found[1] = off + e;
                    return false;
                }
            }
            return true;
        });
        return found[1];
    }
}
