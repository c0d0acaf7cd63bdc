package dev.amalgam.merge.methods;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.subspace.SubspaceAlgebra;
import dev.amalgam.merge.subspace.SubspaceRouting;
import dev.amalgam.merge.subspace.TaskVectorMethod;
import dev.amalgam.merge.subspace.TaskVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * TSV-M, the merge of Gargiulo et al., "Task Singular Vectors: Reducing Task Interference in Model Merging"
 * (CVPR 2025, arXiv:2412.00081), spec methods.md §1.1. Per decomposed matrix, with r = min(m, n) and
 * d = ⌊r/T⌋: keep each task's top-d singular triplets, concatenate them into Û (m×Td), σ̂ and V̂ (n×Td),
 * re-orthogonalize U⊥ = polar(Û), V⊥ = polar(V̂), and τ_M = U⊥·diag(σ̂)·V⊥ᵀ; θ = θ₀ + λ·τ_M. Other tensors get
 * θ₀ + λ·mean(τ) — the mean, not the sum, as in the reference.
 *
 * <p>The per-task top-d step uses the randomized SVD when that saves work (only the top d are used, spec §1.1
 * "Cost"); the polar step is exact and QR-reduced. With one task, d = r and τ_M = τ exactly. When r &lt; T, d = 0:
 * the reference writes zeros for that tensor; Amalgam takes the mean instead and says so once.
 */
public final class TsvMerge extends TaskVectorMethod {
    private static final MethodInfo INFO = new MethodInfo("tsv_m", "TSV-M (Task Singular Vectors: Merge)",
            "https://arxiv.org/abs/2412.00081", BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("lambda", 1.0), ParamSpec.global(EXACT_SVD, false),
                    ParamSpec.global(DECOMPOSE_EMBEDDINGS, false)),
            2, Integer.MAX_VALUE)
            .withDescription("Orthogonalizes the task vectors' top singular directions (per-task rank 1/T), then sums them");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    protected Update update(TensorMergeContext ctx, TaskVectors tv) {
        if (!SubspaceRouting.decomposedBySvdMethods(ctx.outputName(), tv.shape(), decomposeEmbeddings(ctx))) {
            return Update.scaled(tv.mean());
        }
        int r = Math.min(tv.rows(), tv.cols());
        int t = tv.taskCount();
        if (r / t == 0) {
            reportFallbackOnce(ctx, "tsv_m: tensor " + ctx.outputName() + " (" + tv.rows() + "x" + tv.cols()
                    + ") has fewer singular values (" + r + ") than there are tasks (" + t + "), so d = ⌊r/T⌋ = 0;"
                    + " it and any like it get the mean of the task vectors (the reference would write zeros)");
            return Update.scaled(tv.mean());
        }
        DMatrix merged = merge(tv.matrices(), task -> svdOptions(ctx, task));
        return Update.scaled(merged.data());
    }

    /** τ_M for task matrices of one shape (r ≥ T), with the top-d SVD options of each task. */
    public static DMatrix merge(List<DMatrix> tasks, IntFunction<TruncatedSvdOptions> options) {
        int r = Math.min(tasks.get(0).rows(), tasks.get(0).cols());
        int d = r / tasks.size();
        List<SvdResult> top = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            top.add(Svd.truncated(tasks.get(i), d, options.apply(i)));
        }
        return fromFactors(top);
    }

    /** τ_M from each task's top-d factors (any sign convention: the result does not depend on it). */
    public static DMatrix fromFactors(List<SvdResult> top) {
        SvdResult cat = SubspaceAlgebra.concat(top);
        return SubspaceAlgebra.orthogonalizedProduct(cat, cat.s());
    }
}
