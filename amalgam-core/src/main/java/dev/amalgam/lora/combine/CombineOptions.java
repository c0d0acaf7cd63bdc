package dev.amalgam.lora.combine;

import dev.amalgam.linalg.TruncatedSvdOptions;

/**
 * How {@link AdapterCombiner} combines adapters.
 *
 * @param weights        one per adapter (may be negative)
 * @param density        fraction kept by the pruning types (ignored by the others)
 * @param peftCompatible reproduce PEFT's {@code add_weighted_adapter} formulas, including their known errors
 *                       (cross terms, double scaling; methods.md §1.6), instead of the exact delta-space result
 * @param svdRank        rank of the SVD types' result (null: the largest input rank)
 * @param svdClamp       PEFT's {@code svd_clamp} quantile (null: none)
 * @param svd            exact or randomized truncated SVD
 * @param seed           seeds DARE's random pruning (and the randomized SVD)
 */
public record CombineOptions(CombinationType type, double[] weights, double density,
                             TaskPrimitives.MajoritySign majoritySign, boolean peftCompatible, Integer svdRank,
                             Double svdClamp, TruncatedSvdOptions svd, long seed) {
}
