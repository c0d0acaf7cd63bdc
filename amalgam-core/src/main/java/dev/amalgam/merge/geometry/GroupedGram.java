package dev.amalgam.merge.geometry;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.TensorInputs;

/**
 * The Gram matrices {@code G[g][i][j] = <y_i, y_j>} of a few vectors per group of a {@link VectorLayout}, in float64,
 * read in chunks (the first pass of every geometric method). {@code y_i} is input {@code members[i]}, or its task
 * vector {@code x − base} when a base index is given (subtracted in float64, so a fine-tune equal to its base gives
 * exactly zero). All the geometric methods (slerp, nuslerp, multislerp, karcher, model_stock) only need dot products
 * of their inputs: their results are linear combinations of the inputs with coefficients computed from these
 * matrices, which keeps memory bounded by one chunk per input however large the tensor is.
 *
 * <p>The sums run over contiguous runs of one vector (a chunk, a row) with four partial sums each, so the order of
 * additions depends only on the tensor's shape, never on threads or scheduling.
 */
public final class GroupedGram {
    private final int k;
    /** {@code acc[pair(i, j)][group]}, pair-major so the column-vector case adds contiguous runs. */
    private final double[][] acc;

    private GroupedGram(int k, double[][] acc) {
        this.k = k;
        this.acc = acc;
    }

    private static int pair(int k, int i, int j) {
        // index of (i, j), i <= j, in the row-major upper triangle
        return i * k - i * (i - 1) / 2 + (j - i);
    }

    /** Number of vectors per group. */
    public int size() {
        return k;
    }

    /** {@code <y_i, y_j>} in group {@code group}. */
    public double dot(int group, int i, int j) {
        return i <= j ? acc[pair(k, i, j)][group] : acc[pair(k, j, i)][group];
    }

    /** The Euclidean norm of {@code y_i} in group {@code group}. */
    public double norm(int group, int i) {
        return Math.sqrt(dot(group, i, i));
    }

    /** The k×k matrix of one group, for coefficient algebra. */
    public double[][] matrix(int group) {
        double[][] m = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                m[i][j] = dot(group, i, j);
            }
        }
        return m;
    }

    /** {@code cᵀ G c}: the squared norm of the combination {@code Σ c_i y_i}, never negative. */
    public static double quadratic(double[][] gram, double[] c) {
        double s = 0;
        for (int i = 0; i < c.length; i++) {
            double row = 0;
            for (int j = 0; j < c.length; j++) {
                row += gram[i][j] * c[j];
            }
            s += c[i] * row;
        }
        return Math.max(0.0, s);
    }

    /** Computes the Gram matrices of {@code members} (task vectors against {@code base} when base ≥ 0). */
    public static GroupedGram compute(TensorInputs in, int[] members, int base, VectorLayout layout) {
        int k = members.length;
        int pairs = k * (k + 1) / 2;
        double[][] acc = new double[pairs][layout.groups()];
        long numel = in.numel();
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[] x = new float[chunk];
        float[] b = base >= 0 ? new float[chunk] : null;
        double[][] y = new double[k][chunk];
        Kernels kern = Kernels.active();
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            if (b != null) {
                in.read(base, off, b, 0, n);
            }
            for (int i = 0; i < k; i++) {
                in.read(members[i], off, x, 0, n);
                double[] yi = y[i];
                if (b == null) {
                    kern.widen(yi, x, n);
                } else {
                    kern.widenSub(yi, x, b, n);
                }
            }
            if (k == 2 && layout.kind() != VectorLayout.Kind.FIRST_DIM) {
                accumulatePair(acc, y[0], y[1], off, n, layout);
                continue;
            }
            for (int i = 0; i < k; i++) {
                for (int j = i; j < k; j++) {
                    accumulate(acc[pair(k, i, j)], y[i], y[j], off, n, layout);
                }
            }
        }
        return new GroupedGram(k, acc);
    }

    /** Adds the products of {@code a} and {@code b} (chunk at flat offset {@code off}) to their vectors' sums. */
    private static void accumulate(double[] sums, double[] a, double[] b, long off, int n, VectorLayout layout) {
        switch (layout.kind()) {
            case WHOLE -> sums[0] += dot(a, b, 0, n);
            case LAST_DIM -> {
                long len = layout.lastDimLen();
                int e = 0;
                while (e < n) {
                    long flat = off + e;
                    int run = (int) Math.min(n - e, len - flat % len);
                    sums[(int) (flat / len)] += dot(a, b, e, e + run);
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
                        sums[g0 + i] += a[e + i] * b[e + i];
                    }
                    e += run;
                }
            }
        }
    }

    /**
     * The two-vector case (slerp, nuslerp) over contiguous runs: {@code <a,a>}, {@code <a,b>} and {@code <b,b>} in
     * one pass over the chunk instead of three, each with exactly the additions of {@link #dot}, so the sums are
     * bit-identical to the general path while the chunk is read once.
     */
    private static void accumulatePair(double[][] acc, double[] a, double[] b, long off, int n, VectorLayout layout) {
        double[] aa = acc[0];
        double[] ab = acc[1];
        double[] bb = acc[2];
        double[] out = new double[3];
        if (layout.kind() == VectorLayout.Kind.WHOLE) {
            dots(a, b, 0, n, out);
            aa[0] += out[0];
            ab[0] += out[1];
            bb[0] += out[2];
            return;
        }
        long len = layout.lastDimLen();
        int e = 0;
        while (e < n) {
            long flat = off + e;
            int run = (int) Math.min(n - e, len - flat % len);
            int g = (int) (flat / len);
            dots(a, b, e, e + run, out);
            aa[g] += out[0];
            ab[g] += out[1];
            bb[g] += out[2];
            e += run;
        }
    }

    /** {@code out = {<a,a>, <a,b>, <b,b>}} over [from, to), each summed exactly as {@link #dot} sums it. */
    private static void dots(double[] a, double[] b, int from, int to, double[] out) {
        double aa0 = 0, aa1 = 0, aa2 = 0, aa3 = 0;
        double ab0 = 0, ab1 = 0, ab2 = 0, ab3 = 0;
        double bb0 = 0, bb1 = 0, bb2 = 0, bb3 = 0;
        int e = from;
        for (; e + 3 < to; e += 4) {
            double a0 = a[e], a1 = a[e + 1], a2 = a[e + 2], a3 = a[e + 3];
            double b0 = b[e], b1 = b[e + 1], b2 = b[e + 2], b3 = b[e + 3];
            aa0 += a0 * a0;
            aa1 += a1 * a1;
            aa2 += a2 * a2;
            aa3 += a3 * a3;
            ab0 += a0 * b0;
            ab1 += a1 * b1;
            ab2 += a2 * b2;
            ab3 += a3 * b3;
            bb0 += b0 * b0;
            bb1 += b1 * b1;
            bb2 += b2 * b2;
            bb3 += b3 * b3;
        }
        for (; e < to; e++) {
            aa0 += a[e] * a[e];
            ab0 += a[e] * b[e];
            bb0 += b[e] * b[e];
        }
        out[0] = (aa0 + aa1) + (aa2 + aa3);
        out[1] = (ab0 + ab1) + (ab2 + ab3);
        out[2] = (bb0 + bb1) + (bb2 + bb3);
    }

    /** Σ a[e]·b[e] over [from, to) with four partial sums (breaks the add latency chain). */
    private static double dot(double[] a, double[] b, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int e = from;
        for (; e + 3 < to; e += 4) {
            s0 += a[e] * b[e];
            s1 += a[e + 1] * b[e + 1];
            s2 += a[e + 2] * b[e + 2];
            s3 += a[e + 3] * b[e + 3];
        }
        for (; e < to; e++) {
            s0 += a[e] * b[e];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
