package dev.amalgam.merge.random;

import java.util.Arrays;

/**
 * Exactly {@code k} of the indices {@code 0..n-1}, chosen uniformly at random without replacement and without
 * storing n of anything: index i gets the 64-bit key {@code rng.bits(i)} and the k indices with the smallest keys
 * (unsigned; equal keys broken by the lower index) are chosen. Because each key depends only on (seed, tensor
 * name, i), the subset is the same for any thread count or chunking. This is Amalgam's stand-in for torch's
 * {@code randperm(n)[:k]} (arcee_fusion's subsample, compat.md §1.8), which cannot be reproduced outside torch.
 *
 * <p>Finding the cut takes two passes over the keys (no tensor data): a histogram of the top 16 key bits finds the
 * bucket the k-th key falls in, then that bucket's keys (about n/65536 of them) are sorted.
 */
public final class RandomSubset {
    private static final int BITS = 16;
    private static final long LOW_MASK = -1L >>> BITS;

    private final CounterRandom rng;
    private final boolean all;
    private final int cutBucket;
    private final long cutLow;
    private final long cutIndex;

    private RandomSubset(CounterRandom rng, boolean all, int cutBucket, long cutLow, long cutIndex) {
        this.rng = rng;
        this.all = all;
        this.cutBucket = cutBucket;
        this.cutLow = cutLow;
        this.cutIndex = cutIndex;
    }

    public static RandomSubset choose(CounterRandom rng, long n, int k) {
        if (k >= n) {
            return new RandomSubset(rng, true, 0, 0, 0);
        }
        if (k <= 0) {
            return new RandomSubset(rng, false, -1, 0, -1);
        }
        long[] hist = new long[1 << BITS];
        for (long i = 0; i < n; i++) {
            hist[(int) (rng.bits(i) >>> (64 - BITS))]++;
        }
        long below = 0;
        int bucket = 0;
        while (below + hist[bucket] < k) {
            below += hist[bucket];
            bucket++;
        }
        int need = (int) (k - below);
        int size = (int) hist[bucket];
        long[] low = new long[size];
        long[] idx = new long[size];
        int at = 0;
        for (long i = 0; i < n; i++) {
            long key = rng.bits(i);
            if ((int) (key >>> (64 - BITS)) == bucket) {
                low[at] = key & LOW_MASK;
                idx[at] = i;
                at++;
            }
        }
        // sort the bucket's (low bits, index) pairs; the low bits are non-negative so signed order is fine
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> low[p] != low[q] ? Long.compare(low[p], low[q]) : Long.compare(idx[p], idx[q]));
        int last = order[need - 1];
        return new RandomSubset(rng, false, bucket, low[last], idx[last]);
    }

    /** Whether index i is in the subset. */
    public boolean contains(long i) {
        if (all) {
            return true;
        }
        long key = rng.bits(i);
        int bucket = (int) (key >>> (64 - BITS));
        if (bucket != cutBucket) {
            return bucket < cutBucket;
        }
        long low = key & LOW_MASK;
        return low < cutLow || (low == cutLow && i <= cutIndex);
    }
}
