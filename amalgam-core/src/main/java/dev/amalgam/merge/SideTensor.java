package dev.amalgam.merge;

/** A side-input tensor (methods.md §0.6), read as float32 in any chunks, like a model input. */
public interface SideTensor {
    long[] shape();

    /** Reads {@code n} elements from flat element {@code offset} into {@code dst}. */
    void read(long offset, float[] dst, int dstOffset, int n);

    /** The metadata of the file it comes from. */
    java.util.Map<String, String> fileMetadata();

    /**
     * The L2 norm over every float tensor of the file it comes from (float64 sum; computed once per file and
     * shared): Fisher merging's {@code normalize_fishers} divides by it (methods.md §3.1).
     */
    double fileL2Norm();
}
