package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * Exponential moving average of the checkpoints of one run, listed in chronological order (methods.md §4.3):
 * {@code θ ← θ₁}, then {@code θ ← d·θ + (1 − d)·θ_t} for t = 2..T — PyTorch's {@code get_ema_multi_avg_fn} applied
 * to the checkpoints instead of to every step. The average starts at the first checkpoint, so no bias correction
 * is needed. {@code decay} is per checkpoint: a per-step decay d over checkpoints saved every s steps is d^s.
 * There is no default, because PyTorch's per-step 0.999 would all but return the first checkpoint here.
 */
public final class EmaMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("ema", "EMA (exponential moving average of checkpoints)",
            "https://pytorch.org/docs/stable/optim.html#weight-averaging-swa-and-ema", BaseModelUse.OPTIONAL,
            List.of(ParamSpec.requiredGlobal("decay")), 1, Integer.MAX_VALUE)
            .withDescription("Exponential moving average over checkpoints in training order (decay)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String base = CheckpointOrder.rejectBase(ctx, "ema");
        if (base != null) {
            return base;
        }
        double d = ctx.params().number("decay");
        if (!(d >= 0 && d <= 1)) {
            return "ema: decay must be in [0, 1], got " + d + " (tensor " + ctx.outputName() + ")";
        }
        return null;
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        CheckpointOrder.warnBatchNorm(ctx, "ema");
        double d = ctx.params().number("decay");
        int n = ctx.inputCount();
        Kernels k = Kernels.active();
        WideScratch scratch = new WideScratch();
        return (in, out, len, offset) -> {
            double[] acc = scratch.sized(len);
            k.widen(acc, in[0], len);
            for (int t = 1; t < n; t++) {
                k.decayWide(acc, d, in[t], 1 - d, len);
            }
            k.narrow(out, acc, len);
        };
    }
}
