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
}
