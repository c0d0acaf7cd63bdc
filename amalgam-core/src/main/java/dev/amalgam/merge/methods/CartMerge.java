package dev.amalgam.merge.methods;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.subspace.SubspaceRouting;
import dev.amalgam.merge.subspace.TaskVectorMethod;
import dev.amalgam.merge.subspace.TaskVectors;
import java.util.List;
import java.util.function.IntFunction;

/**
 * CART, "centered arithmetic with rank reduction", Choi et al., "Revisiting Weight Averaging for Model Merging"
 * (arXiv:2412.12153), spec methods.md §1.4. θ_avg = θ₀ + mean(τ). For the selected matrices (names with
 * {@code attn} or {@code mlp}, without {@code ln} or {@code bias}, spec §0.2): C_t = θ_t − θ_avg, k =
 * max(1, ⌊ρ·r⌋), θ = θ_avg + λ·Σ_t LR_k(C_t) with LR_k the top-k SVD truncation. Everything else: θ_avg (λ does
 * not apply there, since Σ_t C_t = 0).
 *
 * <p>Defaults: λ = 2.0 and {@code rank_ratio} ρ = 0.12, the official 8-task ViT-B/32 configuration (14 tasks:
 * 1.5 / 0.16; 20 tasks: 1.9 / 0.32). With ρ = 1 the result is θ_avg whatever λ is.
 */
public final class CartMerge extends TaskVectorMethod {
    public static final String RANK_RATIO = "rank_ratio";

    private static final MethodInfo INFO = new MethodInfo("cart", "CART (Centered Arithmetic with Rank reduction)",
            "https://arxiv.org/abs/2412.12153", BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("lambda", 2.0), ParamSpec.global(RANK_RATIO, 0.12),
                    ParamSpec.global(EXACT_SVD, false)),
            2, Integer.MAX_VALUE)
            .withDescription("Average plus a low-rank approximation of each model's deviation from the average");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String p = super.validate(ctx);
        if (p != null) {
            return p;
        }
        double rho = ctx.params().number(RANK_RATIO);
        if (!(rho > 0.0 && rho <= 1.0)) {
            return "cart: " + RANK_RATIO + " must be in (0, 1], got " + rho + " (tensor " + ctx.outputName() + ")";
        }
        return null;
    }

    @Override
    protected Update update(TensorMergeContext ctx, TaskVectors tv) {
        double[] mean = tv.mean();
        if (!SubspaceRouting.decomposedByCart(ctx.outputName(), tv.shape())) {
            return Update.of(mean, null);
        }
        DMatrix avg = new DMatrix(tv.rows(), tv.cols(), mean);
        DMatrix lowRank = lowRankCentered(tv.matrices(), avg, ctx.params().number(RANK_RATIO),
                task -> svdOptions(ctx, task));
        return Update.of(mean, lowRank.data());
    }

    /** k = max(1, ⌊ρ·r⌋). */
    public static int rank(int r, double rho) {
        return Math.max(1, (int) Math.floor(rho * r));
    }

    /** Σ_t LR_k(τ_t − mean), for task matrices τ_t and their mean. */
    public static DMatrix lowRankCentered(List<DMatrix> tasks, DMatrix mean, double rho,
                                          IntFunction<TruncatedSvdOptions> options) {
        int r = Math.min(mean.rows(), mean.cols());
        int k = rank(r, rho);
        DMatrix acc = DMatrix.zeros(mean.rows(), mean.cols());
        for (int i = 0; i < tasks.size(); i++) {
            DMatrix centered = tasks.get(i).minus(mean);
            acc.addScaled(1.0, Svd.truncated(centered, k, options.apply(i)).reconstruct());
        }
        return acc;
    }
}
