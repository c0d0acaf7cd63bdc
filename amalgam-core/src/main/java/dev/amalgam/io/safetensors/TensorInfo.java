package dev.amalgam.io.safetensors;

import dev.amalgam.tensor.DType;
import java.util.Arrays;

/**
 * One tensor's header entry: dtype, shape and byte range {@code [begin, end)} relative to the data section.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    /** Element count: the product of the shape, 1 for a rank-0 tensor. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape) + Long.hashCode(begin);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString() + " [" + begin + ", " + end + ")";
    }
}
