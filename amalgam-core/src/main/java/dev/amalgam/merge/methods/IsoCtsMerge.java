package dev.amalgam.merge.methods;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
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
 * Iso-CTS, isotropic merging in common and task-specific subspaces, Marczak et al. (ICML 2025,
 * arXiv:2502.04959), spec methods.md §1.3. Per decomposed matrix with r = min(m, n), f =
 * {@code common_space_fraction}:
 * <ol>
 *   <li>k₀ = ⌊r·f⌋; s = round((r − k₀)/T)·T with Python's round (half to even: {@link Math#rint}, not
 *       {@link Math#round}, which rounds half up); k = r − s; d = s/T.</li>
 *   <li>Common subspace: the top k triplets of M = Σ τ_t.</li>
 *   <li>Each task's residual R_t = τ_t − U_c·U_cᵀ·τ_t and its top-d SVD (randomized when it saves work).</li>
 *   <li>Û = [U₁ˢ … U_Tˢ | U_c] (m×r), σ̂, V̂; τ = mean(σ̂)·polar(Û)·polar(V̂)ᵀ; θ = θ₀ + λ·τ.</li>
 * </ol>
 * When d = 0 this is exactly Iso-C (k = r), as the spec says. Other tensors get θ₀ + λ·mean(τ).
 *
 * <p>Guard beyond the reference: for a very small f and more tasks than (r − k₀), round((r − k₀)/T)·T can exceed
 * r (e.g. r = 2, f = 0.2, T = 3 gives s = 3), which would make k negative; s is then capped at ⌊r/T⌋·T.
 */
public final class IsoCtsMerge extends TaskVectorMethod {
    public static final String FRACTION = "common_space_fraction";

    private static final MethodInfo INFO = new MethodInfo("iso_cts",
            "Iso-CTS (Isotropic Merging in Common and Task-Specific Subspaces)", "https://arxiv.org/abs/2502.04959",
            BaseModelUse.REQUIRED,
            List.of(ParamSpec.global("lambda", 1.0), ParamSpec.global(FRACTION, 0.8),
                    ParamSpec.global(EXACT_SVD, false), ParamSpec.global(DECOMPOSE_EMBEDDINGS, false)),
            2, Integer.MAX_VALUE)
            .withDescription("Iso-C on a common subspace plus orthogonalized task-specific directions");

    /** The subspace sizes for one matrix: common k, task-specific d per task (k + T·d = r). */
    public record Sizes(int common, int perTask) {
    }

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
        double f = ctx.params().number(FRACTION);
        if (!(f >= 0.0 && f <= 1.0)) {
            return "iso_cts: " + FRACTION + " must be between 0 and 1, got " + f + " (tensor " + ctx.outputName()
                    + ")";
        }
        return null;
    }

    @Override
    protected Update update(TensorMergeContext ctx, TaskVectors tv) {
        if (!SubspaceRouting.decomposedBySvdMethods(ctx.outputName(), tv.shape(), decomposeEmbeddings(ctx))) {
            return Update.scaled(tv.mean());
        }
        double f = ctx.params().number(FRACTION);
        return Update.scaled(merge(tv.matrices(), f, task -> svdOptions(ctx, task)).data());
    }

    /** The sizes of spec §1.3 step 1, with Python's round-half-to-even. */
    public static Sizes sizes(int r, double fraction, int tasks) {
        int k0 = (int) Math.floor(r * fraction);
        int s = (int) Math.rint((double) (r - k0) / tasks) * tasks;
        if (s > r) {
            s = (r / tasks) * tasks;
        }
        return new Sizes(r - s, s / tasks);
    }

    public static DMatrix merge(List<DMatrix> tasks, double fraction, IntFunction<TruncatedSvdOptions> options) {
        DMatrix first = tasks.get(0);
        int r = Math.min(first.rows(), first.cols());
        Sizes sz = sizes(r, fraction, tasks.size());
        DMatrix sum = DMatrix.zeros(first.rows(), first.cols());
        for (DMatrix t : tasks) {
            sum.addScaled(1.0, t);
        }
        if (sz.perTask() == 0) {
            return IsoCMerge.merge(sum, false);
        }
        // The common subspace is always exact (it is most of the spectrum, where randomizing saves nothing).
        SvdResult common = Svd.truncated(sum, sz.common(), TruncatedSvdOptions.exact());
        List<SvdResult> specific = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            DMatrix tau = tasks.get(i);
            // R_t = τ_t − U_c·(U_cᵀ·τ_t): only the column space of the common subspace is projected out.
            DMatrix residual = tau.minus(Products.mul(common.u(), Products.mulTransA(common.u(), tau)));
            specific.add(Svd.truncated(residual, sz.perTask(), options.apply(i)));
        }
        return fromFactors(common, specific);
    }

    /** τ from the common factors and each task's specific factors (any sign convention). */
    public static DMatrix fromFactors(SvdResult common, List<SvdResult> specific) {
        List<SvdResult> blocks = new ArrayList<>(specific);
        blocks.add(common);
        SvdResult cat = SubspaceAlgebra.concat(blocks);
        double sigmaBar = SubspaceAlgebra.mean(cat.s());
        double[] flat = new double[cat.rank()];
        java.util.Arrays.fill(flat, sigmaBar);
        return SubspaceAlgebra.orthogonalizedProduct(cat, flat);
    }
}
