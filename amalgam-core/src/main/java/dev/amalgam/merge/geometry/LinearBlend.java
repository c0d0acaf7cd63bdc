package dev.amalgam.merge.geometry;

import dev.amalgam.kernel.Kernels;
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
        Kernels k = Kernels.active();
        float[] x = new float[chunk];
        double[] acc = new double[chunk];
        float[] res = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            java.util.Arrays.fill(acc, 0, n, 0.0);
            for (int j = 0; j < count; j++) {
                if (byInput[j] != null) {
                    in.read(j, off, x, 0, n);
                    addScaled(k, acc, x, byInput[j], off, n, layout);
                }
            }
            k.narrow(res, acc, n);
            out.write(off, res, 0, n);
        }
    }

    /** acc[e] += c[group(off + e)]·x[e], in runs of a constant (or consecutive) group, each run one kernel call. */
    private static void addScaled(Kernels k, double[] acc, float[] x, double[] c, long off, int n,
                                  VectorLayout layout) {
        switch (layout.kind()) {
            case WHOLE -> k.axpyWide(acc, 0, x, c[0], n);
            case LAST_DIM -> {
                long len = layout.lastDimLen();
                int e = 0;
                while (e < n) {
                    long flat = off + e;
                    int run = (int) Math.min(n - e, len - flat % len);
                    k.axpyWide(acc, e, x, c[(int) (flat / len)], run);
                    e += run;
                }
            }
            case FIRST_DIM -> {
                long stride = layout.firstDimStride();
                int e = 0;
                while (e < n) {
                    int g0 = (int) ((off + e) % stride);
                    int run = (int) Math.min(n - e, stride - g0);
                    k.fmaWide(acc, e, x, c, g0, run);
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
