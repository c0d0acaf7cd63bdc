package dev.amalgam.merge;

/** Where a method writes its result: flat float32 elements, rounded once to the output dtype on the way out. */
public interface TensorOutput {
    void write(long offset, float[] src, int srcOffset, int n);
}
