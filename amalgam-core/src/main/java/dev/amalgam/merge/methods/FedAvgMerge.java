package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;
import java.util.List;

/**
 * The FedAvg server step (McMahan et al., "Communication-Efficient Learning of Deep Networks from Decentralized
 * Data", AISTATS 2017, arXiv:1602.05629; methods.md §5.1): {@code x_{t+1} = x_t + η·Σ ω_i (x_i − x_t)} with
 * ω_i = n_i / Σ n from each client's {@code weight} (its sample count). With the default server {@code lr} η = 1
 * this is the sample-weighted average of the clients.
 */
public final class FedAvgMerge extends ElementwiseMethod {
    private static final MethodInfo INFO = new MethodInfo("fedavg", "FedAvg", "https://arxiv.org/abs/1602.05629",
            BaseModelUse.REQUIRED, List.of(ParamSpec.perModel("weight", 1.0), ParamSpec.global("lr", 1.0)),
            2, Integer.MAX_VALUE)
            .withDescription("Federated server step: the global model moves toward the sample-weighted client mean");

    @Override
    public MethodInfo info() {
        return INFO;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        return ClientWeights.validate(ctx, "fedavg");
    }

    @Override
    protected ChunkKernel kernel(TensorMergeContext ctx) {
        ClientWeights cw = ClientWeights.of(ctx);
        double lr = ctx.params().number("lr");
        Kernels k = Kernels.active();
        WideScratch scratch = new WideScratch();
        return (in, out, len, offset) -> {
            double[] d = scratch.sized(len);
            cw.deltas(in, d, len);
            k.narrowAxpy(out, in[cw.base()], lr, d, len);
        };
    }
}
