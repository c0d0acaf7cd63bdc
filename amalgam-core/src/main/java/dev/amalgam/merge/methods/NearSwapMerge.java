package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.geometry.Members;
import java.util.List;

/**
 * NearSwap (alchemonaut, "QuartetAnemoi-70B-t0.0001" model card, 2024; compat.md §1.6): takes the other model's
 * value where it is close to the base and keeps the base where they differ a lot. Per element,
 * {@code w = clamp(t / max(|a − x|, 1e-6), 0, 1)} and {@code out = w·x + (1 − w)·a}, with a the base: elements
 * within t of the base are swapped outright (w = 1), farther ones are blended in proportion t/|a − x|. Computed in
 * float32 like mergekit's float32 path, by {@link Kernels#nearSwap}.
 */
public final class NearSwapMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("nearswap", "NearSwap",
            "https://huggingface.co/alchemonaut/QuartetAnemoi-70B-t0.0001", BaseModelUse.REQUIRED,
            List.of(ParamSpec.requiredGlobal("t")), 1, 2, EmbedRectification.NONE, false)
            .withDescription("Takes the secondary model's values where they are close to the base (within t)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        return Members.requireBase(ctx, "nearswap", "values near it are swapped for the other model's");
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        if (ctx.inputCount() == 1) {
            // only the base has this tensor: it is kept, as in mergekit
            return (in, out, n, offset) -> System.arraycopy(in[0], 0, out, 0, n);
        }
        int a = ctx.baseIndex();
        int x = 1 - a;
        float t = (float) ctx.params().number("t");
        Kernels k = Kernels.active();
        return (in, out, n, offset) -> k.nearSwap(out, in[a], in[x], t, n);
    }
}
