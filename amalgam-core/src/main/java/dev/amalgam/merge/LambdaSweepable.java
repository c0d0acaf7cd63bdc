package dev.amalgam.merge;

/**
 * A method whose output is affine in its {@code lambda} parameter, θ = A + λ·B per tensor, so that
 * {@code amalgam merge --sweep lambda=START:END:STEP} can compute A and B once per tensor (the SVDs of the
 * subspace methods) and write one output per λ.
 */
public interface LambdaSweepable {
    /**
     * From now on use {@code lambda} instead of the recipe's value, and keep each tensor's λ-independent parts
     * so the next value reuses them (called before each output of a sweep, on one method instance).
     */
    void sweepLambda(double lambda);
}
