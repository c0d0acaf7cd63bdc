package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.geometry.GroupedGram;
import dev.amalgam.merge.geometry.LinearBlend;
import dev.amalgam.merge.geometry.Members;
import dev.amalgam.merge.geometry.VectorLayout;
import java.util.List;

/**
 * Model Stock (Jang, Yun and Han, "Model Stock: All we need is just a few fine-tuned models", ECCV 2024,
 * arXiv:2403.19522; compat.md §1.7): the average of N ≥ 2 fine-tunes is pulled towards the pre-trained base by the
 * ratio the paper derives from the angle between the fine-tunes' task vectors,
 * {@code t = N·cos θ / (1 + (N − 1)·cos θ)}, {@code out = t·mean(w_k) + (1 − t)·w0}, where cos θ is the mean
 * pairwise cosine (each clamped to [−1, 1], norm product clamped to ≥ 1e-6). With {@code filter_wise} the ratio is
 * computed per row (vectors along the last dimension; a 1-D tensor is one row), else over the whole tensor.
 *
 * <p>Deviation (docs/compatibility.md): the denominator vanishes when the fine-tunes' unit task vectors cancel
 * ({@code cos θ = −1/(N−1)}); mergekit then writes inf/NaN. Amalgam uses t = 0 (the base) for such a vector, with a
 * warning: with no agreement between the fine-tunes the base is the only meaningful anchor.
 */
public final class ModelStockMerge implements MergeMethod {
    /** Below this the denominator 1 + (N − 1)·cos θ is treated as zero (t would be astronomically large). */
    static final double MIN_DENOMINATOR = 1e-6;

    private static final MethodInfo INFO = new MethodInfo("model_stock", "Model Stock",
            "https://arxiv.org/abs/2403.19522", BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("filter_wise", false)), 1, Integer.MAX_VALUE)
            .withDescription("Interpolates the fine-tunes' average toward the base by the angle between their task vectors");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String noBase = Members.requireBase(ctx, "model_stock", "the pre-trained model w0");
        if (noBase != null) {
            return noBase;
        }
        if (ctx.inputCount() == 2) {
            return "model_stock needs at least two fine-tuned models besides the base; tensor " + ctx.outputName()
                    + " is present in only one of them";
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int base = ctx.baseIndex();
        if (inputs.count() == 1) {
            LinearBlend.copy(inputs, output, 0);
            return;
        }
        int[] members = Members.nonBase(ctx);
        int n = members.length;
        VectorLayout layout = ctx.params().bool("filter_wise") ? VectorLayout.lastDim(inputs.shape())
                : VectorLayout.whole();
        GroupedGram gram = GroupedGram.compute(inputs, members, base, layout);
        int count = inputs.count();
        double[] coef = new double[layout.groups() * count];
        int degenerate = 0;
        for (int g = 0; g < layout.groups(); g++) {
            double t = ratio(gram, g, n);
            if (Double.isNaN(t)) {
                degenerate++;
                t = 0;
            }
            for (int m : members) {
                coef[g * count + m] = t / n;
            }
            coef[g * count + base] = 1 - t;
        }
        if (degenerate > 0) {
            ctx.warnings().accept("model_stock: in tensor " + ctx.outputName() + " the fine-tunes' task vectors"
                    + " cancel out (1 + (N-1)·cos θ = 0) in " + degenerate + " of " + layout.groups()
                    + " vector(s); the base model's values are used there");
        }
        LinearBlend.write(inputs, output, layout, coef);
    }

    /** The interpolation ratio t of vector g, or NaN when its denominator vanishes. */
    static double ratio(GroupedGram gram, int g, int n) {
        double sum = 0;
        int pairs = 0;
        for (int k = 0; k < n; k++) {
            for (int l = k + 1; l < n; l++) {
                double denom = Math.max(gram.norm(g, k) * gram.norm(g, l), 1e-6);
                sum += Math.max(-1.0, Math.min(1.0, gram.dot(g, k, l) / denom));
                pairs++;
            }
        }
        double cos = sum / pairs;
        double d = 1 + (n - 1) * cos;
        if (Math.abs(d) < MIN_DENOMINATOR) {
            return Double.NaN;
        }
        return n * cos / d;
    }
}
