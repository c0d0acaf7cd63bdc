package dev.amalgam.merge.methods;

import dev.amalgam.merge.ElementwiseMethod.ChunkKernel;

/** The uniform mean of inputs {@code from..to-1}, summed in float64 and rounded once. */
final class UniformMean {
    private UniformMean() {
    }

    static ChunkKernel kernel(int from, int to) {
        double inv = 1.0 / (to - from);
        return (in, out, len, offset) -> {
            for (int e = 0; e < len; e++) {
                double s = 0;
                for (int t = from; t < to; t++) {
                    s += in[t][e];
                }
                out[e] = (float) (s * inv);
            }
        };
    }
}
