package dev.amalgam.merge.geometry;

import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorOutput;

/**
 * The second pass of the geometric methods: writes {@code out = Σ_j C[g][j]·x_j} over all inputs {@code j}, with
 * per-vector coefficients, accumulated in float64 (inputs in order) and rounded once. A method working in
 * task-vector space ({@code b + Σ c_i (x_i − b)}) passes {@code 1 − Σ c_i} as the base's coefficient.
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
        int groups = layout.groups();
        double[][] byInput = new double[count][];
        for (int j = 0; j < count; j++) {
            double[] c = new double[groups];
            boolean used = false;
            for (int g = 0; g < groups; g++) {
                c[g] = coef[g * count + j];
                used |= c[g] != 0.0;
            }
            byInput[j] = used ? c : null;
        }
        long numel = in.numel();
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[] x = new float[chunk];
        double[] acc = new double[chunk];
        float[] res = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            java.util.Arrays.fill(acc, 0, n, 0.0);
            for (int j = 0; j < count; j++) {
                if (byInput[j] != null) {
                    in.read(j, off, x, 0, n);
                    addScaled(acc, x, byInput[j], off, n, layout);
                }
            }
            for (int e = 0; e < n; e++) {
                res[e] = (float) acc[e];
            }
            out.write(off, res, 0, n);
        }
    }

    /** acc[e] += c[group(off + e)]·x[e], in runs of constant (or consecutive) groups so the loops vectorise. */
    private static void addScaled(double[] acc, float[] x, double[] c, long off, int n, VectorLayout layout) {
        switch (layout.kind()) {
            case WHOLE -> {
                double k = c[0];
                for (int e = 0; e < n; e++) {
                    acc[e] += k * x[e];
                }
            }
            case LAST_DIM -> {
                long len = layout.lastDimLen();
                int e = 0;
                while (e < n) {
                    long flat = off + e;
                    int run = (int) Math.min(n - e, len - flat % len);
                    double k = c[(int) (flat / len)];
                    for (int i = e; i < e + run; i++) {
                        acc[i] += k * x[i];
                    }
                    e += run;
                }
            }
            case FIRST_DIM -> {
                long stride = layout.firstDimStride();
                int e = 0;
                while (e < n) {
                    int g0 = (int) ((off + e) % stride);
                    int run = (int) Math.min(n - e, stride - g0);
                    for (int i = 0; i < run; i++) {
                        acc[e + i] += c[g0 + i] * x[e + i];
                    }
                    e += run;
                }
            }
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
