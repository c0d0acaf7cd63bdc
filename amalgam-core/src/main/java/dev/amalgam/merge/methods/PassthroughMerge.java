package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * Copies its single input, optionally multiplied by the per-model {@code scale} (used with filters to damp
 * {@code o_proj}/{@code down_proj} of repeated layers in frankenmerges, compat.md §1.13). With slices this is
 * how layers are stacked into a deeper model; with one model it re-shards or converts the dtype.
 */
public final class PassthroughMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("passthrough", "Passthrough", null,
            BaseModelUse.AS_INPUT, List.of(ParamSpec.perModel("scale", null)), 1, 1)
            .withDescription("Copies the single input tensor, optionally times scale (layer stacking, frankenmerges)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        var p = ctx.inputParams().get(0);
        if (!p.has("scale")) {
            return (in, out, n, offset) -> System.arraycopy(in[0], 0, out, 0, n);
        }
        float scale = (float) p.number("scale");
        Kernels k = Kernels.active();
        return (in, out, n, offset) -> k.scale(out, in[0], scale, n);
    }
}
