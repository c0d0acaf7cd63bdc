package dev.amalgam.merge;

/** Where a method writes its result: flat float32 elements, rounded once to the output dtype on the way out. */
public interface TensorOutput {
    void write(long offset, float[] src, int srcOffset, int n);

    /**
     * Where a {@link SideInputMethod} writes state slot {@code slot} (e.g. {@code m}) of this tensor, as float32
     * with the tensor's shape.
     */
    default TensorOutput state(String slot) {
        throw new IllegalStateException("this merge writes no state slot '" + slot + "'");
    }
}
