package dev.amalgam.merge.sparsify;

import dev.amalgam.merge.random.CounterRandom;

/** The sparsifiers of the task-arithmetic family (compat.md §1.3, "sparsification" column). */
public enum Sparsification {
    /** task_arithmetic: every element of the task vector is used. */
    NONE(false),
    /** TIES trim: keep the ⌊density·n⌋ elements of largest magnitude of the whole tensor. */
    MAGNITUDE(false),
    /** DARE: keep each element with probability density. */
    RANDOM(true),
    /** Model Breadcrumbs: drop the top γ and the bottom 1 − density − γ by magnitude. */
    MAGNITUDE_OUTLIERS(false),
    /** DELLA: keep with a probability that grows with the element's magnitude rank in its row. */
    DELLA_MAGPRUNE(true);

    private final boolean random;

    Sparsification(boolean random) {
        this.random = random;
    }

    public boolean random() {
        return random;
    }

    /**
     * The mask for one model's task vector {@code delta} of a tensor of {@code shape}. {@code rng} is that
     * model's stream for this tensor (used only by the random sparsifiers). Density ≥ 1 keeps everything, as
     * in mergekit.
     */
    public SparseMask mask(ValueSource delta, long[] shape, double density, double gamma, double epsilon,
                           CounterRandom rng) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        if (this == NONE || density >= 1) {
            return SparseMask.KEEP_ALL;
        }
        return switch (this) {
            case NONE -> SparseMask.KEEP_ALL;
            // k = ⌊density·n⌋; k = 0 keeps nothing where mergekit asserts k > 0 [Q]
            case MAGNITUDE -> MagnitudeSelection.select(delta, numel, (long) Math.floor(density * numel));
            case RANDOM -> BernoulliMask.of(rng, density);
            case MAGNITUDE_OUTLIERS -> BreadcrumbsMask.of(delta, numel, density, gamma);
            case DELLA_MAGPRUNE -> DellaMask.of(delta, shape, density, epsilon, rng);
        };
    }
}
