package dev.amalgam.merge.sparsify;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.random.CounterRandom;
import java.util.Arrays;

/**
 * DELLA's magnitude-ranked drop (Deep et al., "DELLA-Merging: Reducing Interference in Model Merging through
 * Magnitude-Based Sampling", arXiv:2406.11617; compat.md §1.3 "della_magprune"): within each row an element
 * with rank r (1 = smallest |δ|) of a row of length L survives with probability
 * {@code p = (density − ε) + 2ε·(r − 1)/(L − 1)}, from density − ε for the smallest to density + ε for the
 * largest.
 *
 * <p>Rows are along dim 1 as in mergekit: a 1-D tensor is one row, a 2-D {@code [out, in]} weight has one row
 * per output, and a ≥3-D tensor is ranked along dim 1 for each index of dim 0 and of the trailing dims. Ranks
 * use a stable order (equal magnitudes: lower index ranks lower), unlike torch's double argsort.
 *
 * <p>Deviation [Q]: a row of length 1 gives mergekit 0/0 = NaN probabilities; Amalgam uses p = density.
 *
 * <p>The mask needs a sort per row, so it is drawn once while scanning the tensor row by row and kept as one
 * bit per element (1/32 of the float32 tensor).
 */
public final class DellaMask implements SparseMask {
    private final long[] keep;

    private DellaMask(long[] keep) {
        this.keep = keep;
    }

    /** The mask for {@code density}/{@code epsilon} (already validated: density ± ε in (0, 1) when density < 1). */
    public static SparseMask of(ValueSource src, long[] shape, double density, double epsilon, CounterRandom rng) {
        if (density >= 1) {
            return KEEP_ALL;
        }
        if (density <= 0) {
            return DROP_ALL;
        }
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        if (numel == 0) {
            return KEEP_ALL;
        }
        int outer = shape.length <= 1 ? 1 : Math.toIntExact(shape[0]);
        int len = shape.length == 0 ? 1 : Math.toIntExact(shape.length == 1 ? shape[0] : shape[1]);
        int inner = Math.toIntExact(numel / ((long) outer * len));
        int block = Math.multiplyExact(len, inner);
        long[] keep = new long[Math.toIntExact((numel + 63) >>> 6)];
        float[] values = new float[block];
        long[] keys = new long[len];
        double low = density - epsilon;
        double span = 2 * epsilon;
        for (int o = 0; o < outer; o++) {
            long base = (long) o * block;
            src.read(base, values, block);
            for (int j = 0; j < inner; j++) {
                for (int r = 0; r < len; r++) {
                    keys[r] = (long) TopK.magnitudeBits(values[r * inner + j]) << 32 | r;
                }
                Arrays.sort(keys);
                for (int q = 0; q < len; q++) {
                    int r = (int) keys[q];
                    long index = base + (long) r * inner + j;
                    if (rng.bernoulli(index, probability(q, len, low, span))) {
                        keep[(int) (index >>> 6)] |= 1L << index;
                    }
                }
            }
        }
        return new DellaMask(keep);
    }

    /** Survival probability of the element at 0-based ascending rank {@code q} of a row of {@code len}. */
    static double probability(int q, int len, double low, double span) {
        double normalizedRank = len == 1 ? 0.5 : (double) q / (len - 1);
        return low + span * normalizedRank;
    }

    @Override
    public void apply(float[] values, int n, long offset) {
        Kernels.active().keepIfBitSet(values, n, keep, offset);
    }
}
