package dev.amalgam.io.safetensors;

import dev.amalgam.tensor.DType;
import java.util.Arrays;

/** A tensor to be written: name, dtype and shape. */
public record TensorSpec(String name, DType dtype, long[] shape) {

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        long bits = Math.multiplyExact(numel(), dtype.bits());
        if (bits % 8 != 0) {
            throw new IllegalArgumentException("tensor " + name + ": " + numel() + " elements of " + dtype
                    + " do not end on a byte boundary");
        }
        return bits / 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape);
    }
}
