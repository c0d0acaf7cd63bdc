package dev.amalgam.merge.geometry;

import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorOutput;

/**
 * The second pass of the geometric methods: writes {@code out = Σ_j C[g][j]·x_j} over all inputs {@code j}, with
 * per-vector coefficients, accumulated in float64 and rounded once. A method working in task-vector space
 * ({@code b + Σ c_i (x_i − b)}) passes {@code 1 − Σ c_i} as the base's coefficient.
 */
public final class LinearBlend {
    private LinearBlend() {
    }

    /**
     * @param coef {@code coef[g * count + j]}: the coefficient of input j in vector g ({@code count} = number of
     *             inputs); inputs whose coefficient is zero everywhere are not read
     */
    public static void write(TensorInputs in, TensorOutput out, VectorLayout layout, double[] coef) {
        int count = in.count();
        boolean[] used = new boolean[count];
        for (int i = 0; i < coef.length; i++) {
            if (coef[i] != 0.0) {
                used[i % count] = true;
            }
        }
        long numel = in.numel();
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[][] x = new float[count][];
        for (int j = 0; j < count; j++) {
            if (used[j]) {
                x[j] = new float[chunk];
            }
        }
        float[] res = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            for (int j = 0; j < count; j++) {
                if (used[j]) {
                    in.read(j, off, x[j], 0, n);
                }
            }
            for (int e = 0; e < n; e++) {
                int at = layout.group(off + e) * count;
                double acc = 0;
                for (int j = 0; j < count; j++) {
                    if (used[j]) {
                        acc += coef[at + j] * x[j][e];
                    }
                }
                res[e] = (float) acc;
            }
            out.write(off, res, 0, n);
        }
    }

    /** The same coefficients for every vector: {@code out = Σ_j c[j]·x_j}. */
    public static void write(TensorInputs in, TensorOutput out, double[] c) {
        write(in, out, VectorLayout.whole(), c);
    }

    /** Copies input {@code input} unchanged (a method given a single tensor returns it). */
    public static void copy(TensorInputs in, TensorOutput out, int input) {
        double[] c = new double[in.count()];
        c[input] = 1.0;
        write(in, out, c);
    }
}
