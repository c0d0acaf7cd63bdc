package dev.amalgam.merge.subspace;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.linalg.DMatrix;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import java.util.ArrayList;
import java.util.List;

/**
 * One tensor's base values θ₀ and task vectors τ_t = θ_t − θ₀ (spec §0.1), the tasks in recipe order. The
 * differences are formed in float64 from the float32 inputs, so they are exact; the SVD methods then work in
 * float64 (spec §0.3). Whole tensors are held: the subspace methods are per-tensor local (spec §0.4), so memory
 * is O(T · this tensor).
 */
public record TaskVectors(float[] base, List<double[]> tasks, long[] shape) {

    public static TaskVectors read(TensorMergeContext ctx, TensorInputs inputs) {
        long numel = inputs.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + ctx.outputName() + " has " + numel
                    + " elements, more than one Java array can hold");
        }
        int n = (int) numel;
        int b = ctx.baseIndex();
        float[] base = new float[n];
        inputs.read(b, 0, base, 0, n);
        List<double[]> tasks = new ArrayList<>();
        float[] buf = new float[n];
        for (int i = 0; i < inputs.count(); i++) {
            if (i == b) {
                continue;
            }
            inputs.read(i, 0, buf, 0, n);
            double[] tau = new double[n];
            Kernels.active().widenSub(tau, buf, base, n);
            tasks.add(tau);
        }
        return new TaskVectors(base, List.copyOf(tasks), ctx.shape().clone());
    }

    public int taskCount() {
        return tasks.size();
    }

    public int rows() {
        return (int) shape[0];
    }

    public int cols() {
        return (int) shape[1];
    }

    /** Task t as an m×n matrix (shares storage). */
    public DMatrix matrix(int t) {
        return new DMatrix(rows(), cols(), tasks.get(t));
    }

    public List<DMatrix> matrices() {
        List<DMatrix> out = new ArrayList<>(tasks.size());
        for (int t = 0; t < tasks.size(); t++) {
            out.add(matrix(t));
        }
        return out;
    }

    /** (1/T)·Σ_t τ_t, summed in float64 in recipe order. */
    public double[] mean() {
        double[] m = sum();
        double inv = 1.0 / tasks.size();
        for (int i = 0; i < m.length; i++) {
            m[i] *= inv;
        }
        return m;
    }

    /** Σ_t τ_t in float64, in recipe order. */
    public double[] sum() {
        double[] s = new double[base.length];
        for (double[] t : tasks) {
            for (int i = 0; i < s.length; i++) {
                s[i] += t[i];
            }
        }
        return s;
    }
}
