package dev.amalgam.merge.geometry;

import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.TensorInputs;

/**
 * The Gram matrices {@code G[g][i][j] = <y_i, y_j>} of a few vectors per group of a {@link VectorLayout}, in float64,
 * read in chunks (the first pass of every geometric method). {@code y_i} is input {@code members[i]}, or its task
 * vector {@code x − base} when a base index is given (subtracted in float64, so a fine-tune equal to its base gives
 * exactly zero). All the geometric methods (slerp, nuslerp, multislerp, karcher, model_stock) only need dot products
 * of their inputs: their results are linear combinations of the inputs with coefficients computed from these
 * matrices, which keeps memory bounded by one chunk per input however large the tensor is.
 */
public final class GroupedGram {
    private final int k;
    private final double[] g;

    private GroupedGram(int k, double[] g) {
        this.k = k;
        this.g = g;
    }

    /** Number of vectors per group. */
    public int size() {
        return k;
    }

    /** {@code <y_i, y_j>} in group {@code group}. */
    public double dot(int group, int i, int j) {
        return i <= j ? g[(group * k + i) * k + j] : g[(group * k + j) * k + i];
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
        double[] g = new double[layout.groups() * k * k];
        long numel = in.numel();
        int chunk = (int) Math.min(ElementwiseMethod.CHUNK, Math.max(1, numel));
        float[][] x = new float[k][chunk];
        float[] b = base >= 0 ? new float[chunk] : null;
        double[] y = new double[k];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            for (int i = 0; i < k; i++) {
                in.read(members[i], off, x[i], 0, n);
            }
            if (b != null) {
                in.read(base, off, b, 0, n);
            }
            for (int e = 0; e < n; e++) {
                int at = layout.group(off + e) * k * k;
                for (int i = 0; i < k; i++) {
                    y[i] = b == null ? x[i][e] : (double) x[i][e] - b[e];
                }
                for (int i = 0; i < k; i++) {
                    double yi = y[i];
                    int row = at + i * k;
                    for (int j = i; j < k; j++) {
                        g[row + j] += yi * y[j];
                    }
                }
            }
        }
        return new GroupedGram(k, g);
    }
}
