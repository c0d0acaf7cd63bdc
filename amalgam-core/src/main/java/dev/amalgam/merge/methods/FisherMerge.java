package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.SideInputMethod;
import dev.amalgam.merge.SideRequest;
import dev.amalgam.merge.SideTensor;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import java.util.ArrayList;
import java.util.List;

/**
 * Fisher merging (Matena &amp; Raffel, "Merging Models with Fisher-Weighted Averaging", NeurIPS 2022,
 * arXiv:2111.09832; methods.md §3.1): element by element,
 * {@code θ*[j] = Σ_t c_t·F_t[j]·θ_t[j] / Σ_t c_t·F_t[j]} with each model's diagonal Fisher F_t read from its
 * {@code fisher: PATH} side file (same tensor names and shapes as the model) and c_t its {@code weight}.
 *
 * <ul>
 *   <li>{@code fisher_floor} (1e-6): F is replaced by max(F, floor) for every model, so an element no model's
 *       Fisher cares about gets the c-weighted mean instead of 0/0 (mmatena's rule without
 *       {@code favor_target_model}).</li>
 *   <li>{@code normalize_fishers} (false): c_t ← c_t / ‖F_t‖₂, the L2 norm over every float tensor of model t's
 *       Fisher file, taken before the floor (mmatena). This is the two-pass variant: each file's norm is computed
 *       once, on first use.</li>
 *   <li>With {@code fisher_floor: 0} an element whose weighted Fisher sums to zero gets the c-weighted mean.</li>
 * </ul>
 * Sums are float64; the result is rounded once.
 */
public final class FisherMerge implements MergeMethod, SideInputMethod {
    private static final int CHUNK = 1 << 15;
    private static final MethodInfo INFO = new MethodInfo("fisher", "Fisher merging",
            "https://arxiv.org/abs/2111.09832", BaseModelUse.AS_INPUT,
            List.of(ParamSpec.perModel("weight", 1.0), ParamSpec.requiredPerModelText("fisher"),
                    ParamSpec.global("fisher_floor", 1e-6), ParamSpec.global("normalize_fishers", false)),
            1, Integer.MAX_VALUE)
            .withDescription("Per-element average weighted by each model's diagonal Fisher information (fisher: PATH)");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String p = SideParams.checkPaths(ctx, "fisher", "fisher", true);
        if (p != null) {
            return p;
        }
        double floor = ctx.params().number("fisher_floor");
        if (!(floor >= 0) || Double.isInfinite(floor)) {
            return "fisher: fisher_floor must be finite and ≥ 0, got " + floor;
        }
        double sum = 0;
        for (int i = 0; i < ctx.inputCount(); i++) {
            double w = ctx.inputParams().get(i).number("weight");
            if (!(w >= 0) || Double.isInfinite(w)) {
                return "fisher: the weight of model '" + ctx.inputModels().get(i) + "' is " + w
                        + "; Fisher merging is a convex combination, so weights must be finite and ≥ 0";
            }
            sum += w;
        }
        return sum > 0 ? null : "fisher: the weights of tensor " + ctx.outputName() + " sum to zero";
    }

    @Override
    public List<SideRequest> sideRequests(TensorMergeContext ctx, List<InputTensor> inputs) {
        List<SideRequest> out = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            out.add(new SideRequest(i, "fisher:" + i, "fisher", SideParams.path(ctx, i, "fisher"),
                    inputs.get(i).tensorName(), inputs.get(i).storedShape(), false));
        }
        return out;
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int n = inputs.count();
        double floor = ctx.params().number("fisher_floor");
        boolean normalize = ctx.params().bool("normalize_fishers");
        double[] c = new double[n];
        SideTensor[] fisher = new SideTensor[n];
        double cSum = 0;
        for (int i = 0; i < n; i++) {
            fisher[i] = inputs.side("fisher:" + i);
            c[i] = ctx.inputParams().get(i).number("weight");
            if (normalize) {
                double norm = fisher[i].fileL2Norm();
                c[i] = norm > 0 ? c[i] / norm : 0;
            }
            cSum += c[i];
        }
        if (cSum == 0) {
            // every Fisher file is all zeros: the floor decides alone, i.e. the weighted mean
            for (int i = 0; i < n; i++) {
                c[i] = ctx.inputParams().get(i).number("weight");
                cSum += c[i];
            }
        }
        long numel = inputs.numel();
        int chunk = (int) Math.min(CHUNK, Math.max(1, numel));
        float[][] x = new float[n][chunk];
        float[][] f = new float[n][chunk];
        float[] out = new float[chunk];
        // per element, in float64 and model order: num = Σ wᵢ·xᵢ, den = Σ wᵢ with wᵢ = cᵢ·max(Fᵢ, floor), and the
        // plain weighted sum Σ cᵢ·xᵢ for elements whose den is not positive
        double[] num = new double[chunk];
        double[] den = new double[chunk];
        double[] plain = new double[chunk];
        Kernels kernels = Kernels.active();
        for (long off = 0; off < numel; off += chunk) {
            int len = (int) Math.min(chunk, numel - off);
            java.util.Arrays.fill(num, 0, len, 0.0);
            java.util.Arrays.fill(den, 0, len, 0.0);
            java.util.Arrays.fill(plain, 0, len, 0.0);
            for (int i = 0; i < n; i++) {
                inputs.read(i, off, x[i], 0, len);
                fisher[i].read(off, f[i], 0, len);
                kernels.fisherStep(num, den, x[i], f[i], c[i], floor, len);
                kernels.axpyWide(plain, 0, x[i], c[i], len);
            }
            kernels.narrowRatioOr(out, num, den, plain, cSum, len);
            output.write(off, out, 0, len);
        }
    }
}
