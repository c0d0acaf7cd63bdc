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

    /** Vectorized and branch-free ({@link CounterRandom#keepBernoulli}): the same mask as drawing each element. */
    @Override
    public void apply(float[] values, int n, long offset) {
        rng.keepBernoulli(values, n, offset, density);
    }
}
