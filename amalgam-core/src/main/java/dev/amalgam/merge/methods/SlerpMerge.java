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
 * Spherical linear interpolation between the base model (t = 0) and one other model (t = 1), each tensor treated
 * as one vector (Shoemake, "Animating rotation with quaternion curves", SIGGRAPH 1985; compat.md §1.9):
 * {@code res = sin((1−t)θ)/sin θ · v0 + sin(tθ)/sin θ · v1} with {@code cos θ} the cosine between the two
 * tensors. When {@code |cos θ| > 0.9995} the vectors are (nearly) colinear and mergekit falls back to the plain
 * lerp {@code (1−t)·v0 + t·v1} on the original vectors, as we do. {@code t} is usually a per-layer gradient with
 * filters ({@code self_attn} / {@code mlp}), resolved per tensor by the planner.
 *
 * <p>Two passes: the norms and the dot product are reduced in float64 over chunks, then the two coefficients are
 * applied chunk by chunk; the whole tensor is never held in memory. A tensor present in only one model is copied.
 */
public final class SlerpMerge implements MergeMethod {
    /** Above this |cos θ| mergekit treats the tensors as colinear and interpolates linearly. */
    static final double COLINEAR = 0.9995;
    /** A tensor whose norm is at most this is not normalised (mergekit's guard against dividing by zero). */
    static final double NORM_EPS = 1e-8;

    private static final MethodInfo INFO = new MethodInfo("slerp", "SLERP", "https://en.wikipedia.org/wiki/Slerp",
            BaseModelUse.REQUIRED, List.of(ParamSpec.requiredGlobal("t")), 1, 2)
            .withDescription("Spherical interpolation between the base and one model at t, lerp when nearly colinear");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.inputCount() == 2) {
            return Members.requireBase(ctx, "slerp", "it is the t = 0 endpoint");
        }
        return null;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        if (inputs.count() == 1) {
            LinearBlend.copy(inputs, output, 0);
            return;
        }
        int v0 = ctx.baseIndex();
        int v1 = 1 - v0;
        double t = ctx.params().number("t");
        GroupedGram gram = GroupedGram.compute(inputs, new int[]{v0, v1}, -1, VectorLayout.whole());
        double[] c = new double[2];
        double[] k = coefficients(t, gram.dot(0, 0, 0), gram.dot(0, 1, 1), gram.dot(0, 0, 1));
        c[v0] = k[0];
        c[v1] = k[1];
        LinearBlend.write(inputs, output, c);
    }

    /**
     * The two blend coefficients from the squared norms and the dot product of the endpoints (compat.md §1.9).
     * With a zero tensor the cosine is 0 (θ = π/2), as in mergekit, so no division by zero can occur.
     */
    static double[] coefficients(double t, double g00, double g11, double g01) {
        double n0 = Math.sqrt(g00);
        double n1 = Math.sqrt(g11);
        double dot = g01 / ((n0 > NORM_EPS ? n0 : 1.0) * (n1 > NORM_EPS ? n1 : 1.0));
        if (Math.abs(dot) > COLINEAR) {
            return new double[]{1 - t, t};
        }
        double theta = Math.acos(dot);
        double s = Math.sin(theta);
        return new double[]{Math.sin((1 - t) * theta) / s, Math.sin(t * theta) / s};
    }
}
