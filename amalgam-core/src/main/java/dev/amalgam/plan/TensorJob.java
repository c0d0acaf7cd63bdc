package dev.amalgam.plan;

import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.tensor.DType;
import java.util.List;

/**
 * One output tensor: its name, inputs, resolved parameters and output dtype. A {@code rawCopy} job (integer or
 * boolean tensors) copies the first input's bytes unchanged instead of running the merge method.
 *
 * @param baseIndex index of the base model among the inputs, or -1
 * @param sides     side-input tensors by request id ({@link dev.amalgam.merge.SideInputMethod}); empty for most
 */
public record TensorJob(String outputName, List<JobInput> inputs, int baseIndex, ResolvedParams params,
                        long[] shape, DType outDtype, boolean isEmbedding, boolean rawCopy,
                        java.util.Map<String, SideLocation> sides) {

    public TensorJob(String outputName, List<JobInput> inputs, int baseIndex, ResolvedParams params,
                     long[] shape, DType outDtype, boolean isEmbedding, boolean rawCopy) {
        this(outputName, inputs, baseIndex, params, shape, outDtype, isEmbedding, rawCopy, java.util.Map.of());
    }

    /** The same job with its side-input tensors. */
    public TensorJob withSides(java.util.Map<String, SideLocation> s) {
        return new TensorJob(outputName, inputs, baseIndex, params, shape, outDtype, isEmbedding, rawCopy, s);
    }

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long outputBytes() {
        return numel() * outDtype.byteSize();
    }

    /** Bytes read from the inputs' files to produce this tensor. */
    public long inputBytes() {
        long total = 0;
        for (JobInput in : inputs) {
            long n = 1;
            for (long d : in.viewShape()) {
                n *= d;
            }
            total += n * in.location().info().dtype().byteSize();
            if (rawCopy) {
                break;
            }
        }
        for (SideLocation side : sides.values()) {
            total += side.info().byteSize();
        }
        return total;
    }
}
