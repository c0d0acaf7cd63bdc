package dev.amalgam.merge.methods;

/** The per-element arithmetic of the task-vector methods, over plain arrays (one place to vectorize later). */
final class TaskVectorKernels {
    private TaskVectorKernels() {
    }

    /** {@code x[e] = x[e] − b[e]}: the task vector. */
    static void subtract(float[] x, float[] b, int n) {
        for (int e = 0; e < n; e++) {
            x[e] = x[e] - b[e];
        }
    }

    /** {@code v[e] *= s}. */
    static void scale(float[] v, int n, float s) {
        if (s == 1f) {
            return;
        }
        for (int e = 0; e < n; e++) {
            v[e] *= s;
        }
    }

    /** {@code out = b + λ·(mixed / div)} or, without normalisation, {@code b + λ·mixed} (compat.md §1.3). */
    static void finish(float[] b, float[] mixed, float[] div, int n, boolean normalize, float lambda, float[] out) {
        for (int e = 0; e < n; e++) {
            float merged = normalize ? mixed[e] / div[e] : mixed[e];
            out[e] = b[e] + merged * lambda;
        }
    }
}
