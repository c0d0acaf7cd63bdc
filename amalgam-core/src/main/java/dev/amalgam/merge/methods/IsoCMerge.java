package dev.amalgam.merge.methods;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Polar;
import dev.amalgam.linalg.Products;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.subspace.SubspaceAlgebra;
import dev.amalgam.merge.subspace.SubspaceRouting;
import dev.amalgam.merge.subspace.TaskVectorMethod;
import dev.amalgam.merge.subspace.TaskVectors;
import java.util.List;

/**
 * Iso-C, the isotropic merge of Marczak et al., "No Task Left Behind: Isotropic Model Merging with Common and
 * Task-Specific Subspaces" (ICML 2025, arXiv:2502.04959), spec methods.md §1.2. Per decomposed matrix:
 * M = Σ_t τ_t = U·Σ·Vᵀ, σ̄ = mean of all r singular values, τ_Iso = σ̄·U·Vᵀ = (‖M‖_* / r)·polar(M); θ = θ₀ + λ·τ_Iso.
 * Other tensors get θ₀ + λ·mean(τ). Needs the full spectrum, so the SVD is always exact.
 *
 * <p>Rank-deficient M (e.g. a sum of LoRA deltas): the reference keeps all r directions, so U·Vᵀ carries
 * arbitrary completion directions weighted by σ̄. That is the default here too. With {@code numerical_rank_only:
 * true} only the ρ directions with σ &gt; max(m,n)·ε·σ_max are kept and σ̄ = ‖M‖_* / ρ: the isotropic spectrum on
 * M's actual span, with M's nuclear norm (a departure from the reference scale ‖M‖_* / r, documented).
 */
public final class IsoCMerge extends TaskVectorMethod {
    public static final String NUMERICAL_RANK_ONLY = "numerical_rank_only";

    private static final MethodInfo INFO = new MethodInfo("iso_c", "Iso-C (Isotropic Merging in Common Subspace)",
            "https://arxiv.org/abs/2502.04959", BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("lambda", 1.0), ParamSpec.global(NUMERICAL_RANK_ONLY, false),
                    ParamSpec.global(DECOMPOSE_EMBEDDINGS, false)),
            2, Integer.MAX_VALUE)
            .withDescription("Flattens the summed task matrix's spectrum to its mean singular value (isotropic common subspace)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    protected Update update(TensorMergeContext ctx, TaskVectors tv) {
        if (!SubspaceRouting.decomposedBySvdMethods(ctx.outputName(), tv.shape(), decomposeEmbeddings(ctx))) {
            return Update.scaled(tv.mean());
        }
        boolean rankOnly = ctx.params().has(NUMERICAL_RANK_ONLY) && ctx.params().bool(NUMERICAL_RANK_ONLY);
        DMatrix sum = new DMatrix(tv.rows(), tv.cols(), tv.sum());
        return Update.scaled(merge(sum, rankOnly).data());
    }

    /**
     * τ_Iso of the task-matrix sum M. The default needs only polar(M) = U·Vᵀ and ‖M‖_* = trace(polar(M)ᵀ·M), not
     * the singular vectors themselves, so it takes {@link Polar#of} (the Gram route when M is well conditioned,
     * several times faster than a full SVD on large matrices); numerical_rank_only needs the spectrum.
     */
    public static DMatrix merge(DMatrix sum, boolean numericalRankOnly) {
        if (numericalRankOnly) {
            return fromSvd(Svd.thin(sum), true);
        }
        int r = Math.min(sum.rows(), sum.cols());
        if (r == 0) {
            return DMatrix.zeros(sum.rows(), sum.cols());
        }
        DMatrix polar = Polar.of(sum);
        double nuclear = 0;
        double[] p = polar.data();
        double[] m = sum.data();
        for (int i = 0; i < p.length; i++) {
            nuclear += p[i] * m[i];
        }
        return polar.scale(nuclear / r);
    }

    /** τ_Iso from a thin SVD of M (any sign convention). */
    public static DMatrix fromSvd(SvdResult svd, boolean numericalRankOnly) {
        SvdResult kept = numericalRankOnly ? svd.truncate(svd.numericalRank()) : svd;
        if (kept.rank() == 0) {
            return DMatrix.zeros(svd.u().rows(), svd.v().rows());
        }
        double sigmaBar = SubspaceAlgebra.mean(kept.s());
        if (numericalRankOnly) {
            // Same nuclear norm as M, spread over its numerical rank (see class comment).
            double nuclear = 0;
            for (double s : svd.s()) {
                nuclear += s;
            }
            sigmaBar = nuclear / kept.rank();
        }
        return Products.mulTransB(kept.u(), kept.v()).scale(sigmaBar);
    }
}
