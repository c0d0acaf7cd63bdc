package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * FedAvgM, FedAvg with server momentum (Hsu, Qi &amp; Brown, "Measuring the Effects of Non-Identical Data
 * Distribution for Federated Visual Classification", arXiv:1909.06335; methods.md §5.1):
 * {@code buf ← μ·buf + Δ}, {@code x_{t+1} = x_t + η·buf} with Δ = Σ ω_i (x_i − x_t). With {@code momentum: 0}
 * and {@code lr: 1} it is FedAvg. Defaults: {@code lr} 1.0, {@code momentum} 0.9. State slot {@code buf}.
 */
public final class FedAvgMStep extends ServerStep {
    private static final MethodInfo INFO = new MethodInfo("fedavgm", "FedAvgM (server momentum)",
            "https://arxiv.org/abs/1909.06335", BaseModelUse.REQUIRED,
            List.of(ParamSpec.perModel("weight", 1.0), ParamSpec.global("lr", 1.0), ParamSpec.global("momentum", 0.9),
                    ParamSpec.globalText(STATE_PARAM)), 2, Integer.MAX_VALUE)
            .withDescription("Federated server step with momentum on the mean client update; writes optimizer_state");

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
        return first(positive(p, "lr"), range(p, "momentum", 0, 1, true));
    }

    @Override
    Update update(TensorMergeContext ctx) {
        double lr = ctx.params().number("lr");
        double mu = ctx.params().number("momentum");
        return (x, delta, state, e) -> {
            double buf = mu * state[0][e] + delta;
            state[0][e] = (float) buf;
            return x + lr * buf;
        };
    }
}
