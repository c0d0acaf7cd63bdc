package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * LAWA, latest weight averaging (Kaddour, "Stop Wasting My Time! Saving Days of ImageNet and BERT Training with
 * Latest Weight Averaging", arXiv:2209.14981; methods.md §4.2): the uniform average of the last {@code window}
 * checkpoints of a run, listed in chronological order. Earlier checkpoints are listed but not read.
 */
public final class LawaMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("lawa", "LAWA (latest weight averaging)",
            "https://arxiv.org/abs/2209.14981", BaseModelUse.OPTIONAL,
            List.of(ParamSpec.requiredGlobal("window")), 1, Integer.MAX_VALUE)
            .withDescription("Uniform average of the last window checkpoints of one training run");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String base = CheckpointOrder.rejectBase(ctx, "lawa");
        if (base != null) {
            return base;
        }
        double w = ctx.params().number("window");
        int k = CheckpointOrder.positiveInt(w);
        if (k < 0) {
            return "lawa: window must be a whole number of checkpoints ≥ 1, got " + w;
        }
        if (k > ctx.inputCount()) {
            return "lawa: window " + k + " is larger than the " + ctx.inputCount() + " checkpoints of tensor "
                    + ctx.outputName() + "; list more checkpoints or use swa to average all of them";
        }
        return null;
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        CheckpointOrder.warnBatchNorm(ctx, "lawa");
        int n = ctx.inputCount();
        int first = n - CheckpointOrder.positiveInt(ctx.params().number("window"));
        return UniformMean.kernel(first, n);
    }
}
