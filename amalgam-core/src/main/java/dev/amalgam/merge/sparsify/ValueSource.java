package dev.amalgam.merge.sparsify;

/**
 * A tensor's values (a task vector, or a per-element statistic such as SCE's variance) that can be read again
 * and again, in any stretch. The sparsifiers stream over it in chunks, so a whole tensor is never held as
 * float32 just to find a threshold. Every read of the same stretch must return bit-identical values: the
 * selection pass and the pass that applies its result rely on it.
 */
@FunctionalInterface
public interface ValueSource {
    /** Reads {@code n} values starting at flat element {@code offset} into {@code dst[0..n)}. */
    void read(long offset, float[] dst, int n);

    /** A source over an array (tests, and statistics computed in memory). */
    static ValueSource of(float[] values) {
        return (offset, dst, n) -> System.arraycopy(values, (int) offset, dst, 0, n);
    }
}
