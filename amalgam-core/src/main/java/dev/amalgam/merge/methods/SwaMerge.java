package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * Stochastic weight averaging (Izmailov et al., "Averaging Weights Leads to Wider Optima and Better
 * Generalization", UAI 2018, arXiv:1803.05407; methods.md §4.3): the uniform average of every listed checkpoint,
 * which is what the running form θ ← θ + (θ_t − θ)/(n + 1) ends at. Batch-norm statistics are warned about.
 */
public final class SwaMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("swa", "SWA (stochastic weight averaging)",
            "https://arxiv.org/abs/1803.05407", BaseModelUse.OPTIONAL, List.of(), 1, Integer.MAX_VALUE)
            .withDescription("Uniform average of all checkpoints of one training run");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        return CheckpointOrder.rejectBase(ctx, "swa");
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        CheckpointOrder.warnBatchNorm(ctx, "swa");
        return UniformMean.kernel(0, ctx.inputCount());
    }
}
