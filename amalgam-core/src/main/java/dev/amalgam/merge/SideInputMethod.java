package dev.amalgam.merge;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A method that reads side-input files besides the models (Fisher values, Gram matrices, the previous round's
 * optimizer state; methods.md §0.6) and may write state of its own. The planner asks it, per tensor and before any
 * tensor data is read, which side tensors it needs; it then finds, opens (headers only) and checks them, so a
 * missing key, a wrong shape or a non-float dtype is reported up front with the file and tensor named. At merge
 * time the method reads them through {@link TensorInputs#side(String)} and writes its state through
 * {@link TensorOutput#state(String)}. The method itself still does no I/O.
 */
public interface SideInputMethod {
    /**
     * One input of a tensor as the side-input rules see it.
     *
     * @param tensorName  the tensor's name in that model (the key side files use)
     * @param storedShape the tensor's shape in the model's file
     * @param modelType   the model's {@code config.model_type}, or null (GPT-2 stores linear weights in×out)
     */
    record InputTensor(String tensorName, long[] storedShape, String modelType) {
    }

    /** The side tensors this output tensor needs; the same id must not be requested twice. */
    List<SideRequest> sideRequests(TensorMergeContext ctx, List<InputTensor> inputs);

    /**
     * Checks which of the requested side tensors were found (optional requests may be absent). Returns a problem
     * description, or null.
     */
    default String checkSides(TensorMergeContext ctx, Set<String> foundIds) {
        return null;
    }

    /**
     * Names of the state tensors written for every merged tensor into {@code optimizer_state.safetensors}, stored
     * as {@code <slot>.<tensor name>} in float32 with the tensor's shape (e.g. {@code m}, {@code v}); empty for
     * stateless methods.
     */
    default List<String> stateSlots() {
        return List.of();
    }

    /** The global parameter that names the previous round's state file, or null. */
    default String stateParam() {
        return null;
    }

    /** Metadata of the written state file besides {@code optimizer} and {@code step}: the hyperparameters. */
    default Map<String, String> stateMetadata(ResolvedParams globals) {
        return Map.of();
    }
}
