package dev.amalgam.merge.methods;

import java.util.Arrays;

/**
 * A float64 buffer of one chunk for a kernel's accumulators, sized on first use. One {@code ChunkKernel} runs
 * the chunks of its range one after another, so each kernel instance owns one and never shares it.
 */
final class WideScratch {
    private double[] buf = new double[0];

    /** The first {@code n} elements, set to +0.0. */
    double[] zeroed(int n) {
        double[] b = sized(n);
        Arrays.fill(b, 0, n, 0.0);
        return b;
    }

    /** At least {@code n} elements, contents unspecified. */
    double[] sized(int n) {
        if (buf.length < n) {
            buf = new double[n];
        }
        return buf;
    }
}
