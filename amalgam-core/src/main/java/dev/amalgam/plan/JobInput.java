package dev.amalgam.plan;

import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.merge.ResolvedParams;

/**
 * One input of a tensor job: which model and stored tensor it reads, and the per-model parameters in force.
 *
 * @param viewShape the logical shape read; smaller than the stored one only when an embedding is truncated to
 *                  the vocabulary shared by all inputs
 */
public record JobInput(LoadedModel model, String tensorName, TensorLocation location, ResolvedParams params,
                       long[] viewShape) {
}
