package dev.amalgam.merge.methods;

import dev.amalgam.kernel.Kernels;

/**
 * The per-element arithmetic of the task-vector methods, as {@link Kernels} operations: the same float32 steps
 * in the same order as the plain loops they replace, so the golden outputs do not move.
 */
final class TaskVectorKernels {
    private TaskVectorKernels() {
    }

    /** {@code x[e] = x[e] − b[e]}: the task vector. */
    static void subtract(float[] x, float[] b, int n) {
        Kernels.active().sub(x, x, b, n);
    }

    /** {@code v[e] = v[e] * s}. */
    static void scale(float[] v, int n, float s) {
        if (s == 1f) {
            return;
        }
        Kernels.active().scale(v, v, s, n);
    }

    /**
     * {@code out = b + (mixed / div)·λ} or, without normalisation, {@code b + mixed·λ} (compat.md §1.3);
     * {@code mixed} is scratch and holds the quotient afterwards. The product is written {@code λ·merged} by
     * {@link Kernels#axpy}, the same float32 value since multiplication commutes.
     */
    static void finish(float[] b, float[] mixed, float[] div, int n, boolean normalize, float lambda, float[] out) {
        Kernels k = Kernels.active();
        if (normalize) {
            k.quotient(mixed, mixed, div, n);
        }
        System.arraycopy(b, 0, out, 0, n);
        k.axpy(out, mixed, lambda, n);
    }
}
