package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * The DiLoCo outer step (Douillard et al., "DiLoCo: Distributed Low-Communication Training of Language Models",
 * arXiv:2311.08105; methods.md §5.2). The outer gradient is the old model minus the worker average,
 * Δ = θ^(t−1) − Σ ω_i θ_i (the opposite sign of FedOpt's Δ), and the outer optimizer is SGD with Nesterov momentum in
 * PyTorch's form: {@code b ← μ·b + Δ}, {@code θ^(t) = θ^(t−1) − η·(Δ + μ·b)} ({@code nesterov: false}:
 * {@code θ^(t−1) − η·b}). Defaults η = {@code outer_lr} 0.7, μ = {@code momentum} 0.9. With η = 1 and μ = 0 it is the
 * plain worker average (FedAvg). State slot {@code buf}, starting at 0 (PyTorch's first step sets b = Δ, the same).
 */
public final class DilocoStep extends ServerStep {
    private static final MethodInfo INFO = new MethodInfo("diloco", "DiLoCo outer step",
            "https://arxiv.org/abs/2311.08105", BaseModelUse.REQUIRED,
            List.of(ParamSpec.perModel("weight", 1.0), ParamSpec.global("outer_lr", 0.7),
                    ParamSpec.global("momentum", 0.9), ParamSpec.global("nesterov", true),
                    ParamSpec.globalText(STATE_PARAM)), 2, Integer.MAX_VALUE)
            .withDescription("DiLoCo outer step: Nesterov momentum on the workers' mean update; writes optimizer_state");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    List<String> slots() {
        return List.of("buf");
    }

    @Override
    double initial(int k, TensorMergeContext ctx) {
        return 0;
    }

    @Override
    String checkHyperparameters(ResolvedParams p) {
        return first(positive(p, "outer_lr"), range(p, "momentum", 0, 1, true));
    }

    @Override
    Update update(TensorMergeContext ctx) {
        double lr = ctx.params().number("outer_lr");
        double mu = ctx.params().number("momentum");
        boolean nesterov = ctx.params().bool("nesterov");
        return (x, clientChange, state, e) -> {
            double g = -clientChange; // θ^(t−1) − mean(θ_i)
            double buf = mu * state[0][e] + g;
            state[0][e] = (float) buf;
            return x - lr * (nesterov ? g + mu * buf : buf);
        };
    }
}
