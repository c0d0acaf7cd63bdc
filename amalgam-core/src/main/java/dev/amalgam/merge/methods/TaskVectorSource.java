package dev.amalgam.merge.methods;

import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.sparsify.ValueSource;

/**
 * The task vector {@code δ = x − b} of one input against the base, computed on the fly from the inputs
 * (memory-mapped), so sparsifiers can scan it several times without it ever being stored. The subtraction is
 * the same float32 operation on every read, so every pass sees bit-identical values.
 */
final class TaskVectorSource implements ValueSource {
    private final TensorInputs inputs;
    private final int model;
    private final int base;
    private float[] scratch = new float[0];

    TaskVectorSource(TensorInputs inputs, int model, int base) {
        this.inputs = inputs;
        this.model = model;
        this.base = base;
    }

    @Override
    public void read(long offset, float[] dst, int n) {
        if (scratch.length < n) {
            scratch = new float[n];
        }
        inputs.read(model, offset, dst, 0, n);
        inputs.read(base, offset, scratch, 0, n);
        TaskVectorKernels.subtract(dst, scratch, n);
    }
}
