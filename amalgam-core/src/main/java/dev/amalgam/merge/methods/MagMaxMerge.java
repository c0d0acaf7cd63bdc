package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.LambdaSweepable;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * MagMax, Marczak et al., "MagMax: Leveraging Model Merging for Seamless Continual Learning" (ECCV 2024,
 * arXiv:2407.06322), spec methods.md §2.1: element-wise, keep the task-vector entry of largest magnitude,
 * τ_max[j] = τ_{t*}[j] with t* = argmax_t |τ_t[j]|, ties going to the later task (the reference's {@code >=});
 * θ = θ₀ + λ·τ_max. All float tensors, embeddings included (it needs no decomposition). Streams in chunks.
 */
public final class MagMaxMerge extends ElementwiseMethod implements LambdaSweepable {
    private static final MethodInfo INFO = new MethodInfo("magmax", "MagMax", "https://arxiv.org/abs/2407.06322",
            BaseModelUse.REQUIRED, List.of(ParamSpec.global("lambda", 0.5)), 2, Integer.MAX_VALUE)
            .withDescription("Per element, the task vector entry of largest magnitude across models");

    /** The sweep's current λ, or null for the recipe's (MagMax is cheap: nothing is cached between values). */
    private volatile Double lambdaOverride;

    @Override
    public void sweepLambda(double lambda) {
        lambdaOverride = lambda;
    }

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.baseIndex() < 0) {
            return "merge method magmax needs a base model (task vectors are taken against it); add"
                    + " `base_model: <model>` to the recipe";
        }
        if (ctx.inputCount() < 2) {
            return "merge method magmax needs at least one model besides the base model for tensor "
                    + ctx.outputName();
        }
        return null;
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        int b = ctx.baseIndex();
        int n = ctx.inputCount();
        Double o = lambdaOverride;
        float lambda = (float) (o != null ? o : ctx.params().number("lambda"));
        float[][] scratch = new float[3][0]; // τ, best, |best|: one chunk each, owned by this kernel instance
        return (in, out, len, offset) -> {
            if (scratch[0].length < len) {
                for (int s = 0; s < 3; s++) {
                    scratch[s] = new float[len];
                }
            }
            float[] tau = scratch[0];
            float[] best = scratch[1];
            float[] bestAbs = scratch[2];
            java.util.Arrays.fill(best, 0, len, 0f);
            java.util.Arrays.fill(bestAbs, 0, len, -1f);
            Kernels k = Kernels.active(); // per call: tests pin kernels per thread
            float[] base = in[b];
            for (int i = 0; i < n; i++) { // recipe order, so ">=" hands ties to the later task
                if (i == b) {
                    continue;
                }
                k.sub(tau, in[i], base, len);
                k.keepLargerMagnitude(best, bestAbs, tau, len);
            }
            // base + λ·best, as axpy rounds it
            System.arraycopy(base, 0, out, 0, len);
            k.axpy(out, best, lambda, len);
        };
    }
}
