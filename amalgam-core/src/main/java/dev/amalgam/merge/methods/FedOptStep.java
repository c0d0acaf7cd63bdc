package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * The adaptive server optimizers of Reddi et al., "Adaptive Federated Optimization" (ICLR 2021, arXiv:2003.00295,
 * Algorithm 2; methods.md §5.1), one class for the three variants, which differ only in the second moment:
 * <pre>
 *   Δ   = Σ ω_i (x_i − x_t)
 *   m_t = β₁·m + (1 − β₁)·Δ
 *   v_t = v + Δ²                                  FedAdagrad
 *   v_t = v − (1 − β₂)·Δ²·sgn(v − Δ²)             FedYogi
 *   v_t = β₂·v + (1 − β₂)·Δ²                      FedAdam
 *   x_{t+1} = x_t + η·m_t / (√v_t + τ)
 * </pre>
 * No bias correction (the paper has none); m starts at 0 and v at τ² (the paper requires v ≥ τ²). Defaults: η =
 * {@code lr} 0.1 (Flower's), β₁ 0.9, β₂ 0.99, τ 1e-3. State slots {@code m} and {@code v}.
 */
public final class FedOptStep extends ServerStep {
    /** The second-moment rule. */
    public enum Variant {
        ADAGRAD("fedadagrad", "FedAdagrad"), YOGI("fedyogi", "FedYogi"), ADAM("fedadam", "FedAdam");

        final String methodName;
        final String pretty;

        Variant(String methodName, String pretty) {
            this.methodName = methodName;
            this.pretty = pretty;
        }
    }

    private final Variant variant;
    private final MethodInfo info;

    public FedOptStep(Variant variant) {
        this.variant = variant;
        List<ParamSpec> params = new java.util.ArrayList<>(List.of(ParamSpec.perModel("weight", 1.0),
                ParamSpec.global("lr", 0.1), ParamSpec.global("beta1", 0.9)));
        if (variant != Variant.ADAGRAD) {
            params.add(ParamSpec.global("beta2", 0.99));
        }
        params.add(ParamSpec.global("tau", 1e-3));
        params.add(ParamSpec.globalText(STATE_PARAM));
        this.info = new MethodInfo(variant.methodName, variant.pretty + " (adaptive federated optimization)",
                "https://arxiv.org/abs/2003.00295", BaseModelUse.REQUIRED, List.copyOf(params), 2, Integer.MAX_VALUE)
                .withDescription("Federated server step: " + variant.pretty
                        + " on the mean client update; writes optimizer_state");
    }

    public static FedOptStep adam() {
        return new FedOptStep(Variant.ADAM);
    }

    public static FedOptStep yogi() {
        return new FedOptStep(Variant.YOGI);
    }

    public static FedOptStep adagrad() {
        return new FedOptStep(Variant.ADAGRAD);
    }

    @Override
    public MethodInfo info() {
        return info;
    }

    @Override
    List<String> slots() {
        return List.of("m", "v");
    }

    @Override
    double initial(int k, TensorMergeContext ctx) {
        double tau = ctx.params().number("tau");
        return k == 0 ? 0.0 : tau * tau;
    }

    @Override
    String checkHyperparameters(ResolvedParams p) {
        return first(positive(p, "lr"), range(p, "beta1", 0, 1, false),
                variant == Variant.ADAGRAD ? null : range(p, "beta2", 0, 1, false), positive(p, "tau"));
    }

    @Override
    Update update(TensorMergeContext ctx) {
        ResolvedParams p = ctx.params();
        double lr = p.number("lr");
        double b1 = p.number("beta1");
        double b2 = variant == Variant.ADAGRAD ? 0 : p.number("beta2");
        double tau = p.number("tau");
        return (x, delta, state, e) -> {
            double m = b1 * state[0][e] + (1 - b1) * delta;
            double v = state[1][e];
            double d2 = delta * delta;
            v = switch (variant) {
                case ADAGRAD -> v + d2;
                case YOGI -> v - (1 - b2) * d2 * Math.signum(v - d2);
                case ADAM -> b2 * v + (1 - b2) * d2;
            };
            state[0][e] = (float) m;
            state[1][e] = (float) v;
            return x + lr * m / (Math.sqrt(v) + tau);
        };
    }
}
