package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.EmbedRectification;
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
 * Multi-SLERP, barycentric interpolation of any number of models on the hypersphere (C. Goddard, "Multi-SLERP",
 * goddard.blog 2025; compat.md §1.11). Each model's tensor (its task vector when a base model is given) is one
 * flattened vector {@code F_i} with norm {@code r_i} and direction {@code U_i = F_i / (r_i + eps)}; the weighted mean
 * direction {@code m = Σ w_i U_i} is normalised, the weighted tangent vector {@code τ = Σ w_i (U_i − <U_i,m> m)} is
 * mapped back with {@code m·cos‖τ‖ + τ·sin‖τ‖/‖τ‖}, and the result is scaled to the weighted mean norm
 * {@code Σ w_i r_i}. Weights are divided by their sum when {@code normalize_weights} (the default).
 *
 * <p>Every quantity above is a linear combination of the F_i whose coefficients depend only on their Gram matrix,
 * so the tensor is read twice in chunks (Gram in float64, then the blend) instead of being stacked in memory.
 *
 * <p>Deviations (docs/compatibility.md): when the weighted mean direction vanishes with more than two models
 * mergekit raises an error; Amalgam falls back to the weighted sum of the models, as mergekit does for two. Weights
 * that sum to zero with {@code normalize_weights} are rejected before any work instead of producing NaN.
 */
public final class MultiSlerpMerge implements MergeMethod {
    private static final MethodInfo INFO = new MethodInfo("multislerp", "Multi-SLERP",
            "https://goddard.blog/posts/multislerp-wow-what-a-cool-idea", BaseModelUse.OPTIONAL,
            List.of(ParamSpec.requiredPerModel("weight"), ParamSpec.global("normalize_weights", true),
                    ParamSpec.global("eps", 1e-8)), 1, Integer.MAX_VALUE, EmbedRectification.NONE, false)
            .withDescription("Weighted spherical interpolation of any number of models around their mean direction");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        int[] members = Members.nonBase(ctx);
        if (members.length > 1 && ctx.params().bool("normalize_weights") && weightSum(ctx, members) == 0.0) {
            return "the weights of tensor " + ctx.outputName() + " sum to zero, so `normalize_weights: true` would"
                    + " divide by zero; set `normalize_weights: false` or change the weights";
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int[] members = Members.nonBase(ctx);
        int base = ctx.baseIndex();
        if (members.length == 1) {
            // one model: its tensor (or base + its task vector, the same thing) is returned unchanged
            LinearBlend.copy(inputs, output, members[0]);
            return;
        }
        int k = members.length;
        double eps = ctx.params().number("eps");
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            // mergekit turns the weights into a tensor of the compute dtype (float32 here) before use
            w[i] = (float) ctx.inputParams().get(members[i]).number("weight");
        }
        if (ctx.params().bool("normalize_weights")) {
            double s = weightSum(ctx, members);
            for (int i = 0; i < k; i++) {
                w[i] /= s;
            }
        }
        double[][] g = GroupedGram.compute(inputs, members, base, VectorLayout.whole()).matrix(0);
        double[] c = combination(g, w, eps);
        if (c == null) {
            if (k > 2) {
                ctx.warnings().accept("multislerp: the weighted mean direction of tensor " + ctx.outputName()
                        + " is zero (the models cancel out); it is merged as the weighted sum of the models");
            }
            c = w.clone();
        }
        double[] coef = new double[inputs.count()];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            coef[members[i]] = c[i];
            sum += c[i];
        }
        if (base >= 0) {
            coef[base] = 1 - sum;
        }
        LinearBlend.write(inputs, output, coef);
    }

    /**
     * The coefficients of the F_i in the result, from their Gram matrix and the (normalised) weights; null when the
     * weighted mean direction has a norm below {@code eps}.
     */
    static double[] combination(double[][] g, double[] w, double eps) {
        int k = w.length;
        double[] r = new double[k];
        double[] a = new double[k];
        for (int i = 0; i < k; i++) {
            r[i] = Math.sqrt(Math.max(0, g[i][i]));
            a[i] = 1.0 / (r[i] + eps);
        }
        // m = Σ w_i U_i, U_i = a_i F_i
        double[] m = new double[k];
        for (int i = 0; i < k; i++) {
            m[i] = w[i] * a[i];
        }
        double mNorm = Math.sqrt(GroupedGram.quadratic(g, m));
        if (mNorm < eps) {
            return null;
        }
        for (int i = 0; i < k; i++) {
            m[i] /= mNorm;
        }
        // τ = Σ_i w_i (U_i − <U_i, m> m)
        double[] tau = new double[k];
        double along = 0;
        for (int i = 0; i < k; i++) {
            double gm = 0;
            for (int j = 0; j < k; j++) {
                gm += g[i][j] * m[j];
            }
            double proj = a[i] * gm;
            tau[i] += w[i] * a[i];
            along += w[i] * proj;
        }
        for (int j = 0; j < k; j++) {
            tau[j] -= along * m[j];
        }
        double n = Math.sqrt(GroupedGram.quadratic(g, tau)) + eps;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            scale += w[i] * r[i];
        }
        double[] c = new double[k];
        for (int j = 0; j < k; j++) {
            c[j] = (m[j] * Math.cos(n) + tau[j] * Math.sin(n) / n) * scale;
        }
        return c;
    }

    private static double weightSum(TensorMergeContext ctx, int[] members) {
        double s = 0;
        for (int i : members) {
            s += (float) ctx.inputParams().get(i).number("weight");
        }
        return s;
    }
}
