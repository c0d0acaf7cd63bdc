package dev.amalgam.merge;

/**
 * A merge method: a pure function from input tensors and resolved parameters to one output tensor. It does no
 * I/O of its own: it reads through {@link TensorInputs} and writes through {@link TensorOutput}, in chunks when
 * it is element-wise (see {@link ElementwiseMethod}) or whole when it needs the entire tensor.
 */
public interface MergeMethod {
    MethodInfo info();

    /**
     * Checks the parameters of one tensor before any data is read (called for every tensor when the plan is
     * built). Returns a problem description, or null when the tensor can be merged.
     */
    default String validate(TensorMergeContext ctx) {
        return null;
    }

    void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output);

    /**
     * True when {@link #merge} needs whole tensors in memory (selection, sorting, SVD, a norm taken before any
     * output element can be written). The executor then admits the tensor only while the estimated
     * {@link #workingMemoryBytes} of all tensors in flight fit in the memory limit ({@code --memory-limit}).
     * The default is true, the safe answer for a method that reads its inputs whole; {@link ElementwiseMethod}
     * answers false and is split into element ranges that run in parallel.
     */
    default boolean needsWholeTensor() {
        return true;
    }

    /**
     * True for a method that passes over every element several times with several kernel operations (TIES' top-k
     * select, its sign election and the combining pass): compiling each operation's vector code at its first use
     * then pays for itself on smaller merges than for a one-pass method, and the executor tells the kernels so
     * from 134 M parameters instead of 1.07 G ({@link dev.amalgam.kernel.Kernels#expectHeavyUse}). Below that the
     * kernels decide from the time each operation has spent.
     */
    default boolean repaysCompiledKernels() {
        return false;
    }

    /**
     * Bytes of memory merging one tensor of {@code numel} elements from {@code inputCount} inputs holds at its
     * peak. The default fits a method that materializes every input and the output as float32, plus one float32
     * temporary: {@code (inputCount + 2) · numel · 4}. Methods that hold more (index arrays, several masks) or
     * less should say so.
     */
    default long workingMemoryBytes(long numel, int inputCount) {
        return (inputCount + 2L) * numel * Float.BYTES;
    }
}
