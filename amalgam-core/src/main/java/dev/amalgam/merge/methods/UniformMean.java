package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.ElementwiseMethod.ChunkKernel;

/** The uniform mean of inputs {@code from..to-1}, summed in float64 and rounded once. */
final class UniformMean {
    private UniformMean() {
    }

    static ChunkKernel kernel(int from, int to) {
        double inv = 1.0 / (to - from);
        Kernels k = Kernels.active();
        WideScratch acc = new WideScratch();
        return (in, out, len, offset) -> {
            // from +0.0, adding 1.0·x (exact): the same sums as s += x, a -0.0 input included
            double[] s = acc.zeroed(len);
            for (int t = from; t < to; t++) {
                k.axpyWide(s, 0, in[t], 1.0, len);
            }
            k.narrowScaled(out, s, inv, len);
        };
    }
}
