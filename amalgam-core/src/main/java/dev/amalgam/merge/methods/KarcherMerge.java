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
 * The Karcher (Riemannian, Fréchet) mean of the inputs' directions on the unit sphere, scaled by their mean norm
 * (H. Karcher, "Riemannian center of mass and mollifier smoothing", CPAM 1977; compat.md §1.12). Every input,
 * a given base model included, has weight 1/n. The mean direction is found by fixed-point iteration: map every
 * direction to the tangent space at the current estimate u ({@code θ/sin θ · (u_i − cos θ · u)}), average, and
 * step along the geodesic, for at most {@code max_iter} steps or until the step is shorter than {@code tol}.
 *
 * <p>u always stays in the span of the inputs, so the iteration runs on the coefficients of that combination using
 * the inputs' Gram matrix (float64); the tensor is read twice in chunks and never stacked.
 *
 * <p>Deviations (docs/compatibility.md): mergekit loses its embedding-size rectification and fails on embeddings
 * of different vocabulary sizes; Amalgam truncates them to the common sub-matrix like the other methods. An input
 * exactly opposite to the current estimate (sin θ = 0, its direction undefined) is skipped instead of dividing by
 * zero; when every input has a norm below {@code tol} the plain mean is written.
 */
public final class KarcherMerge implements MergeMethod {
    private static final MethodInfo INFO = new MethodInfo("karcher", "Karcher Mean",
            "https://en.wikipedia.org/wiki/Karcher_mean", BaseModelUse.AS_INPUT,
            List.of(ParamSpec.global("max_iter", 10), ParamSpec.global("tol", 1e-5)), 1, Integer.MAX_VALUE)
            .withDescription("Riemannian (Karcher) mean of the models on the sphere, by fixed-point iteration");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int n = inputs.count();
        if (n == 1) {
            LinearBlend.copy(inputs, output, 0);
            return;
        }
        double[][] g = GroupedGram.compute(inputs, Members.all(n), -1, VectorLayout.whole()).matrix(0);
        int maxIter = (int) ctx.params().number("max_iter");
        double tol = ctx.params().number("tol");
        LinearBlend.write(inputs, output, combination(g, maxIter, tol));
    }

    /** The coefficients of the inputs in the Karcher mean, from their Gram matrix. */
    static double[] combination(double[][] g, int maxIter, double tol) {
        int n = g.length;
        double[] r = new double[n];
        double meanNorm = 0;
        for (int i = 0; i < n; i++) {
            r[i] = Math.sqrt(Math.max(0, g[i][i]));
            meanNorm += r[i] / n;
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (r[i] > tol) {
                kept++;
            }
        }
        if (kept == 0) {
            double[] mean = new double[n];
            java.util.Arrays.fill(mean, 1.0 / n);
            return mean;
        }
        double alpha = 1.0 / kept;
        // u = normalise(Σ α_i u_i) over the kept inputs, u_i = x_i / r_i
        double[] u = new double[n];
        for (int i = 0; i < n; i++) {
            if (r[i] > tol) {
                u[i] = alpha / r[i];
            }
        }
        double un = Math.sqrt(GroupedGram.quadratic(g, u));
        if (un < tol) {
            java.util.Arrays.fill(u, 0);
            for (int i = 0; i < n; i++) {
                if (r[i] > tol) {
                    u[i] = 1.0 / r[i];
                    break;
                }
            }
        } else {
            scale(u, 1.0 / un);
        }
        for (int iter = 0; iter < maxIter; iter++) {
            double[] step = new double[n];
            for (int i = 0; i < n; i++) {
                if (r[i] <= tol) {
                    continue;
                }
                double c = 0;
                for (int j = 0; j < n; j++) {
                    c += u[j] * g[j][i];
                }
                c = Math.max(-1.0, Math.min(1.0, c / r[i]));
                double theta = Math.acos(c);
                double s = Math.sin(theta);
                if (theta < tol || s < 1e-12) {
                    continue;
                }
                double f = alpha * theta / s;
                step[i] += f / r[i];
                for (int j = 0; j < n; j++) {
                    step[j] -= f * c * u[j];
                }
            }
            double sn = Math.sqrt(GroupedGram.quadratic(g, step));
            if (sn < tol) {
                break;
            }
            double cs = Math.cos(sn);
            double sf = Math.sin(sn) / sn;
            for (int j = 0; j < n; j++) {
                u[j] = cs * u[j] + sf * step[j];
            }
            double norm = Math.sqrt(GroupedGram.quadratic(g, u));
            if (norm > 0) {
                scale(u, 1.0 / norm);
            }
        }
        scale(u, meanNorm);
        return u;
    }

    private static void scale(double[] v, double f) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
    }
}
