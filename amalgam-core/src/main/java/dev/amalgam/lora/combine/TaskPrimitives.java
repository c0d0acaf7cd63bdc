package dev.amalgam.lora.combine;

import dev.amalgam.merge.random.CounterRandom;

/**
 * The per-tensor primitives of PEFT's {@code utils/merge_utils.py} (methods.md §1.6), on a stack of equally shaped
 * tensors with one weight each. {@code density} is the fraction kept. Sums are accumulated in float64 and rounded
 * once. TIES: Yadav et al., "TIES-Merging", NeurIPS 2023 (arXiv:2306.01708); DARE: Yu et al., "Language Models are
 * Super Mario", ICML 2024 (arXiv:2311.03099).
 */
public final class TaskPrimitives {
    /** How the elected sign of an entry is computed over the stack. */
    public enum MajoritySign {
        /** sgn Σ x_i (PEFT's default) */
        TOTAL,
        /** sgn Σ sgn(x_i) */
        FREQUENCY
    }

    private TaskPrimitives() {
    }

    /**
     * Combines the stack with the given primitive.
     *
     * @param random one stream per tensor; input i uses {@code random.substream(i)}, element j counter j (DARE only)
     */
    public static float[] combine(CombinationType.Primitive p, float[][] xs, double[] weights, double density,
                                  MajoritySign sign, CounterRandom random) {
        return switch (p) {
            case TASK_ARITHMETIC -> weightedSum(xs, weights);
            case MAGNITUDE_PRUNE -> weightedSum(magnitudePruned(xs, density), weights);
            case TIES -> disjointMerge(magnitudePruned(xs, density), weights, sign);
            case DARE_LINEAR -> weightedSum(randomPruned(xs, density, random), weights);
            case DARE_TIES -> disjointMerge(randomPruned(xs, density, random), weights, sign);
        };
    }

    /** Σ w_i·x_i. */
    static float[] weightedSum(float[][] xs, double[] w) {
        int n = xs[0].length;
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                s += w[i] * xs[i][j];
            }
            out[j] = (float) s;
        }
        return out;
    }

    static float[][] magnitudePruned(float[][] xs, double density) {
        float[][] out = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            out[i] = MagnitudeSelection.keepTop(xs[i], density);
        }
        return out;
    }

    /** PEFT's {@code random_pruning(rescale=True)}: keep each entry with probability density, divide by density. */
    static float[][] randomPruned(float[][] xs, double density, CounterRandom random) {
        float[][] out = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            CounterRandom r = random.substream(i);
            float[] x = xs[i];
            float[] y = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                if (r.bernoulli(j, density)) {
                    y[j] = (float) (x[j] / density);
                }
            }
            out[i] = y;
        }
        return out;
    }

    /**
     * Elects a sign per entry on the unweighted stack (a sum ≥ 0 elects +1), then averages the weighted entries that
     * agree with it: Σ_i w_i·x_i·[sgn x_i = elected] / max(1, #agreeing). Zeros never agree.
     */
    static float[] disjointMerge(float[][] xs, double[] w, MajoritySign method) {
        int n = xs[0].length;
        float[] out = new float[n];
        for (int j = 0; j < n; j++) {
            double vote = 0;
            for (float[] x : xs) {
                vote += method == MajoritySign.TOTAL ? x[j] : Math.signum(x[j]);
            }
            double elected = vote >= 0 ? 1 : -1;
            double s = 0;
            int agree = 0;
            for (int i = 0; i < xs.length; i++) {
                if (Math.signum(xs[i][j]) == elected) {
                    s += w[i] * xs[i][j];
                    agree++;
                }
            }
            out[j] = (float) (s / Math.max(1, agree));
        }
        return out;
    }
}
