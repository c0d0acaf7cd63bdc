package dev.amalgam.plan;

import dev.amalgam.config.MergeConfiguration;
import dev.amalgam.tensor.DType;
import java.util.List;

/**
 * Which dtype an output tensor gets. Amalgam always computes in float32 and rounds once at the end
 * (DESIGN.md principle 1); the stored dtype follows mergekit's rules: {@code out_dtype}, else {@code dtype},
 * else the inputs' own dtype, where mixed inputs promote as PyTorch would (bf16 with f16 gives f32).
 */
final class DtypeRules {
    private DtypeRules() {
    }

    static DType outputDtype(String outName, List<JobInput> inputs, MergeConfiguration cfg, Problems problems,
                             List<String> warnings) {
        DType firstIn = inputs.get(0).location().info().dtype();
        for (JobInput in : inputs) {
            DType d = in.location().info().dtype();
            if (d.kind() == DType.Kind.OTHER) {
                problems.config("tensor " + in.tensorName() + " of model '" + in.model().displayName() + "' has dtype "
                        + d.headerName() + ", which Amalgam cannot merge (supported: F64, F32, BF16, F16, F8_E4M3,"
                        + " F8_E5M2 and integer tensors, which are copied)");
                return null;
            }
            if (d.isMergeableFloat() != firstIn.isMergeableFloat()) {
                problems.config("tensor " + outName + " is a float tensor in some models and an integer tensor in"
                        + " others (" + firstIn + " in '" + inputs.get(0).model().displayName() + "', " + d + " in '"
                        + in.model().displayName() + "')");
                return null;
            }
        }
        if (!firstIn.isMergeableFloat()) {
            return firstIn;
        }
        DType chosen = cfg.outDtype() != null ? cfg.outDtype() : cfg.dtype();
        if (chosen != null) {
            if (!chosen.isWritableFloat()) {
                problems.config((cfg.outDtype() != null ? "out_dtype" : "dtype") + ": " + chosen.torchName()
                        + " is not a floating-point dtype; use bfloat16, float16 or float32");
                return null;
            }
            return chosen;
        }
        DType promoted = firstIn;
        for (JobInput in : inputs) {
            promoted = promote(promoted, in.location().info().dtype());
        }
        if (!promoted.isWritableFloat()) {
            warnings.add("tensor " + outName + " is stored as " + promoted + "; it is written as BF16 (set out_dtype"
                    + " to choose)");
            return DType.BF16;
        }
        return promoted;
    }

    private static DType promote(DType a, DType b) {
        if (a == b) {
            return a;
        }
        if (a == DType.F64 || b == DType.F64) {
            return DType.F64;
        }
        return DType.F32;
    }
}
