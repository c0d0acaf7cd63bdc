package dev.amalgam.merge;

import dev.amalgam.tensor.DType;

/**
 * The input tensors of one output tensor, all of one logical shape, read as float32 in any chunks a method
 * likes. Inputs are in recipe order. Implementations read memory-mapped files; methods never see files.
 */
public interface TensorInputs {
    int count();

    long numel();

    long[] shape();

    DType dtype(int input);

    /** Reads {@code n} elements of input {@code input} starting at flat element {@code offset} into {@code dst}. */
    void read(int input, long offset, float[] dst, int dstOffset, int n);

    /** A side-input tensor the method asked for at planning time ({@link SideInputMethod}), or null if absent. */
    default SideTensor side(String id) {
        return null;
    }
}
