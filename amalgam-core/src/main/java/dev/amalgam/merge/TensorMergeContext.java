package dev.amalgam.merge;

import java.util.List;
import java.util.function.Consumer;

/**
 * Everything a method may know about the tensor it merges besides the data: names, shape, resolved parameters
 * (global and per input), which input is the base model, the random seed and a sink for warnings.
 *
 * @param baseIndex index of the base model among the inputs, or -1 without one
 */
public record TensorMergeContext(String outputName, long[] shape, ResolvedParams params,
                                 List<ResolvedParams> inputParams, List<String> inputModels, int baseIndex,
                                 boolean isEmbedding, long seed, Consumer<String> warnings) {

    public int inputCount() {
        return inputParams.size();
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
