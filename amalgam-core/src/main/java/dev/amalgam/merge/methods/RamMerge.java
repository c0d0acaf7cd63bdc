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
 * Reinforced Agent Merging, RAM (arXiv:2601.13572; compat.md §1.5): per element, the task vectors {@code T_i = x_i − b} that are
 * active ({@code |T_i| > epsilon}) are averaged over the models that are active there, so a parameter changed by
 * only one model keeps that model's full change instead of being diluted by the others' zeros:
 * {@code out = b + Σ_i T_i·A_i / max(c, 1)} with {@code c = Σ_i A_i}; where no model is active the base value stays.
 */
public final class RamMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("ram", "Reinforced Agent Merging", "https://arxiv.org/abs/2601.13572",
            BaseModelUse.REQUIRED, List.of(ParamSpec.global("epsilon", 1e-5)), 1, Integer.MAX_VALUE,
            EmbedRectification.NONE, false)
            .withDescription("Averages each element over only the models whose task vector is active there");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        return Members.requireBase(ctx, "ram", "task vectors are taken against it");
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        int b = ctx.baseIndex();
        int[] members = Members.nonBase(ctx);
        float eps = (float) ctx.params().number("epsilon");
        Kernels k = Kernels.active();
        WideScratch sums = new WideScratch();
        WideScratch counts = new WideScratch();
        return (in, out, n, offset) -> {
            double[] sum = sums.zeroed(n);
            double[] count = counts.zeroed(n);
            for (int m : members) {
                k.addIfAbove(sum, count, in[m], in[b], eps, n);
            }
            k.meanOrBase(out, in[b], sum, count, n);
        };
    }
}
