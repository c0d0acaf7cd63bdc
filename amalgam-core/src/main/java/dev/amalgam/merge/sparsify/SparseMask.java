package dev.amalgam.merge.sparsify;

/**
 * The result of sparsifying one task vector: which elements survive. It is applied chunk by chunk to the
 * values the {@link ValueSource} it was computed from returns, and depends only on each element's value and
 * flat index, never on the order chunks are visited in.
 */
@FunctionalInterface
public interface SparseMask {
    /** Keeps everything (density ≥ 1, or no sparsification). */
    SparseMask KEEP_ALL = (values, n, offset) -> { };

    /** Drops everything (density ≤ 0). */
    SparseMask DROP_ALL = (values, n, offset) -> java.util.Arrays.fill(values, 0, n, 0f);

    /** Zeroes, in place, the dropped elements of the chunk {@code values[0..n)} at flat position {@code offset}. */
    void apply(float[] values, int n, long offset);
}
