package dev.amalgam.merge.sparsify;

import dev.amalgam.kernel.Kernels;

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
    /** Counters for the elements outside the threshold bucket in the branch-free pass 2 (a power of two). */
    private static final int SPARE = 8;
    /**
     * Below this share of the elements in the threshold bucket, pass 2 looks for the bucket's elements (a branch
     * per element, or a vector compare per vector in {@code Kernels.scanBucket}). Measured on a 16 M element bf16
     * task vector of the benchmark's models (5.5% in the bucket at density 0.5), scalar: 1.3 ns per element with
     * the branch, 2.0 without. Above it mispredictions would cost more than the branch-free loop.
     */
    private static final double RARE_SHARE = 0.15;
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
        long[] low = new long[LOW_BUCKETS + SPARE];
        long inBucket = high[bucket];
        // Pass 2 also remembers where the bucket's elements are (when few enough), so ties at the threshold are
        // resolved from that list instead of a third pass over the inputs. bf16 task vectors take few distinct
        // values, so such ties are the rule rather than the exception.
        boolean remember = inBucket <= MAX_REMEMBERED && numel <= Integer.MAX_VALUE;
        // one spare slot each: the branch-free loop writes every element at the next free position, which only
        // advances for elements of the bucket
        int[] where = remember ? new int[(int) inBucket + 1] : null;
        char[] lowBits = remember ? new char[(int) inBucket + 1] : null;
        boolean rare = inBucket < RARE_SHARE * numel;
        Kernels kernels = Kernels.active();
        int[] seen = {0};
        Chunks.forEach(src, numel, (v, n, off) -> {
            // a rare bucket: a vector compare finds its few elements (Kernels.scanBucket); a crowded one, a
            // branch-free scalar loop
            seen[0] = rare ? kernels.scanBucket(v, n, off, bucket, low, where, lowBits, seen[0])
                    : bucketPassCrowded(v, n, off, bucket, low, where, lowBits, seen[0]);
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
            for (int c = 0; c < seen[0]; c++) {
                if (lowBits[c] == lb && ++found == tiesKept) {
                    return new TopK(k, threshold, where[c]);
                }
            }
        }
        return new TopK(k, threshold, nthIndexOf(src, numel, threshold, tiesKept));
    }

    /**
     * Pass 2 over one chunk without a branch, for a bucket that holds a large share of the elements (bf16 task
     * vectors often put a third of them there), where a branch would be a coin flip: counts the low 16 bits of the
     * bucket's elements in {@code low} and, when {@code where} is not null, records their positions and low bits
     * from {@code next} on (as {@code Kernels.scanBucket} does for a rare bucket); returns the next free
     * position. An element outside the bucket is counted in one of {@link #SPARE} spare counters taken in turn,
     * and its position is written and then overwritten: a single spare counter made every outside element update
     * the same memory, a dependent chain that ran at 2.8 ns per element against 2.0 with eight.
     */
    private static int bucketPassCrowded(float[] v, int n, long off, int bucket, long[] low, int[] where,
                                         char[] lowBits, int next) {
        if (where == null) {
            for (int e = 0; e < n; e++) {
                int bits = TopK.magnitudeBits(v[e]);
                low[bits >>> 16 == bucket ? bits & 0xFFFF : LOW_BUCKETS + (e & SPARE - 1)]++;
            }
            return next;
        }
        for (int e = 0; e < n; e++) {
            int bits = TopK.magnitudeBits(v[e]);
            int in = bits >>> 16 == bucket ? 1 : 0;
            low[in == 1 ? bits & 0xFFFF : LOW_BUCKETS + (e & SPARE - 1)]++;
            where[next] = (int) (off + e);
            lowBits[next] = (char) bits;
            next += in;
        }
        return next;
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
