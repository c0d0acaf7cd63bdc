package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * Weighted average of the inputs, the "model soup" of Wortsman et al., "Model soups: averaging weights of multiple
 * fine-tuned models improves accuracy without increasing inference time" (ICML 2022, arXiv:2203.05482):
 * {@code out = Σ wᵢ·xᵢ}, divided by {@code Σ wᵢ} when {@code normalize} (the default). Negative weights are
 * allowed (they subtract a model).
 *
 * <p>Deviation from mergekit: with {@code normalize: true} and weights summing to zero mergekit divides by zero and
 * writes inf/NaN; Amalgam rejects the recipe before reading any tensor and names the tensor.
 */
public final class LinearMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("linear", "Linear", "https://arxiv.org/abs/2203.05482",
            BaseModelUse.AS_INPUT, List.of(ParamSpec.requiredPerModel("weight"), ParamSpec.global("normalize", true)),
            1, Integer.MAX_VALUE)
            .withDescription("Weighted average of the models (model soup), divided by the weight sum when normalize");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.params().bool("normalize") && weightSum(ctx) == 0.0) {
            return "the weights of tensor " + ctx.outputName() + " sum to zero, so `normalize: true` would divide"
                    + " by zero; set `normalize: false` or change the weights";
        }
        return null;
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        int n = ctx.inputCount();
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) ctx.inputParams().get(i).number("weight");
        }
        boolean normalize = ctx.params().bool("normalize");
        float divisor = normalize ? (float) weightSum(ctx) : 1f;
        Kernels k = Kernels.active();
        return (in, out, len, offset) -> {
            // out = (w0·x0 + w1·x1 + ...) / Σw, accumulated in input order and rounded in float32 at each step
            k.weightedSum(out, in, w, n, len);
            if (normalize) {
                k.divide(out, out, divisor, len);
            }
        };
    }

    private static double weightSum(TensorMergeContext ctx) {
        double s = 0;
        for (var p : ctx.inputParams()) {
            s += p.number("weight");
        }
        return s;
    }
}
