package dev.amalgam.merge;

/**
 * A change applied to an input tensor as it is read, before the merge method sees it: a LoRA adapter's low-rank
 * delta, for instance, so that {@code model+lora} needs no merged copy on disk.
 */
public interface TensorTransform {
    /** Reads the untransformed tensor: {@code n} float32 values from flat offset {@code offset} into {@code dst}. */
    @FunctionalInterface
    interface BaseReader {
        void read(long offset, float[] dst, int dstOffset, int n);
    }

    /**
     * Called once before the first {@link #apply}; transforms that need statistics of the whole base tensor
     * (DoRA's row norms) compute them here.
     */
    default void prepare(BaseReader base) {
    }

    /** Transforms {@code n} values at flat offset {@code offset}, already read from the base, in place. */
    void apply(long offset, float[] values, int valuesOffset, int n);
}
