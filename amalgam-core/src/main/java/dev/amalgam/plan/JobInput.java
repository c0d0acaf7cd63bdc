package dev.amalgam.plan;

import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorTransform;

/**
 * One input of a tensor job: which model and stored tensor it reads, and the per-model parameters in force.
 *
 * @param viewShape the logical shape read; smaller than the stored one only when an embedding is truncated to
 *                  the vocabulary shared by all inputs
 * @param transform applied to the stored values as they are read (a LoRA update), or null
 */
public record JobInput(LoadedModel model, String tensorName, TensorLocation location, ResolvedParams params,
                       long[] viewShape, TensorTransform transform) {

    public JobInput(LoadedModel model, String tensorName, TensorLocation location, ResolvedParams params,
                    long[] viewShape) {
        this(model, tensorName, location, params, viewShape, null);
    }

    /** The same input read through a smaller (truncated) view. */
    public JobInput withView(long[] shape) {
        return new JobInput(model, tensorName, location, params, shape, transform);
    }
}
