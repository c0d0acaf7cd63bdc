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
 * mergekit's "NuSLERP" (compat.md §1.10): slerp between exactly two models with the interpolation factor taken
 * from their weights, {@code t = w_c / (w_a + w_c)} (0.5 when the weights sum to nearly zero), optionally in
 * task-vector space against a third, base model ({@code b + slerp(t, a − b, c − b)}). The vectors interpolated are
 * <ul>
 *   <li>{@code nuslerp_flatten: true} (the default): the whole tensor;</li>
 *   <li>otherwise, with {@code nuslerp_row_wise: false}: each slice along the last dimension (each row of an
 *       {@code [out, in]} matrix);</li>
 *   <li>with {@code nuslerp_row_wise: true}: each slice along the first dimension (mergekit transposes dims 0 and
 *       −1; its docs call these "row vectors", they are the matrix's columns).</li>
 * </ul>
 * Vectors are normalised by {@code max(‖v‖, 1e-7)}; where {@code |sin θ| < 1e-8} the pair is colinear and is
 * interpolated linearly. Swapping the two models maps t to 1 − t, so the result does not depend on their order.
 */
public final class NuSlerpMerge implements MergeMethod {
    static final double NORM_EPS = 1e-7;
    static final double SIN_EPS = 1e-8;

    private static final MethodInfo INFO = new MethodInfo("nuslerp", "NuSLERP", null, BaseModelUse.OPTIONAL,
            List.of(ParamSpec.requiredPerModel("weight"), ParamSpec.global("nuslerp_row_wise", false),
                    ParamSpec.global("nuslerp_flatten", true)), 1, 3)
            .withDescription("Weighted spherical interpolation of two models, over the whole tensor, rows or columns");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        int n = ctx.inputCount();
        if (n == 1) {
            return null;
        }
        if (ctx.baseIndex() >= 0 && n != 3) {
            return "nuslerp merges exactly two models, and a base_model must be a third one (the base can not be one"
                    + " of the two models to merge); tensor " + ctx.outputName() + " has " + n + " input(s)"
                    + " including the base";
        }
        if (ctx.baseIndex() < 0 && n != 2) {
            return "nuslerp merges exactly two models; tensor " + ctx.outputName() + " has " + n;
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        if (inputs.count() == 1) {
            // a tensor only one model has is passed through, as in mergekit
            LinearBlend.copy(inputs, output, 0);
            return;
        }
        int[] pair = Members.nonBase(ctx);
        int base = ctx.baseIndex();
        double wa = ctx.inputParams().get(pair[0]).number("weight");
        double wc = ctx.inputParams().get(pair[1]).number("weight");
        double t = Math.abs(wa + wc) < 1e-6 ? 0.5 : wc / (wa + wc);
        VectorLayout layout = ctx.params().bool("nuslerp_flatten") ? VectorLayout.whole()
                : ctx.params().bool("nuslerp_row_wise") ? VectorLayout.firstDim(inputs.shape())
                : VectorLayout.lastDim(inputs.shape());
        GroupedGram gram = GroupedGram.compute(inputs, pair, base, layout);
        int count = inputs.count();
        double[] coef = new double[layout.groups() * count];
        for (int g = 0; g < layout.groups(); g++) {
            double[] k = coefficients(t, gram.dot(g, 0, 0), gram.dot(g, 1, 1), gram.dot(g, 0, 1));
            coef[g * count + pair[0]] = k[0];
            coef[g * count + pair[1]] = k[1];
            if (base >= 0) {
                coef[g * count + base] = 1 - k[0] - k[1];
            }
        }
        LinearBlend.write(inputs, output, layout, coef);
    }

    /** The coefficients of v0 and v1 for one vector pair, from their squared norms and dot product. */
    static double[] coefficients(double t, double g00, double g11, double g01) {
        double cos = g01 / (Math.max(Math.sqrt(g00), NORM_EPS) * Math.max(Math.sqrt(g11), NORM_EPS));
        double theta = Math.acos(Math.max(-1.0, Math.min(1.0, cos)));
        double s = Math.sin(theta);
        if (Math.abs(s) < SIN_EPS) {
            return new double[]{1 - t, t};
        }
        return new double[]{Math.sin((1 - t) * theta) / s, Math.sin(t * theta) / s};
    }
}
