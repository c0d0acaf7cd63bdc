package dev.amalgam.merge.sparsify;

import dev.amalgam.merge.random.CounterRandom;

/**
 * DARE's random drop (Yu et al., "Language Models are Super Mario: Absorbing Abilities from Homologous Models
 * as a Free Lunch", arXiv:2311.03099; compat.md §1.3 "random"): each element survives independently with
 * probability {@code density}. The draw for element i is {@code rng.uniform(i)}, a pure function of (seed,
 * tensor, model, i), so the mask is the same for any chunking or thread count. It cannot reproduce torch's
 * Bernoulli stream; only its statistics match mergekit's.
 */
public record BernoulliMask(CounterRandom rng, double density) implements SparseMask {
    /** The mask for {@code density}: everything at ≥ 1, nothing at ≤ 0. */
    public static SparseMask of(CounterRandom rng, double density) {
        if (density >= 1) {
            return KEEP_ALL;
        }
        if (density <= 0) {
            return DROP_ALL;
        }
        return new BernoulliMask(rng, density);
    }

    /**
     * Branch-free (at density 0.5 a per-element branch mispredicts half the time). {@code uniform(i) < density}
     * is decided on the integers: {@code uniform(i) = u·2⁻⁵³} exactly for the 53-bit integer {@code u}, and for an
     * integer {@code u}, {@code u < density·2⁵³ ⟺ u < ⌈density·2⁵³⌉} (the product is exact: a power-of-two scale).
     * So the mask is bit for bit that of {@link CounterRandom#bernoulli}.
     */
    @Override
    public void apply(float[] values, int n, long offset) {
        long limit = (long) Math.ceil(density * 0x1p53);
        for (int e = 0; e < n; e++) {
            long u = rng.bits(offset + e) >>> 11;
            values[e] = u < limit ? values[e] : 0f;
        }
    }
}
