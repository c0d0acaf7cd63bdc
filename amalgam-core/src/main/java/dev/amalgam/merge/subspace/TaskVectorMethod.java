package dev.amalgam.merge.subspace;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.LambdaSweepable;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.random.CounterRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shared frame of the subspace methods (TSV-M, Iso-C, Iso-CTS, CART; spec methods.md §1.1–§1.4): checks that a
 * base model is given, reads θ₀ and the task vectors of a tensor, lets the method compute its update as
 * fixed + λ·scaled, and writes θ₀ + fixed + λ·scaled rounded once to float32 (and then to the output dtype by
 * the writer). During a {@code --sweep} the updates are kept per tensor and reused for every λ. Integer tensors never reach a method: the planner copies them from the base
 * model (spec §0.3).
 */
public abstract class TaskVectorMethod implements MergeMethod, LambdaSweepable {
    /** Recipe parameter: {@code exact_svd: true} forces exact SVDs where a method would randomize. */
    public static final String EXACT_SVD = "exact_svd";
    /** Recipe parameter: {@code decompose_embeddings: true} restores the references' routing (see SubspaceRouting). */
    public static final String DECOMPOSE_EMBEDDINGS = "decompose_embeddings";

    private final AtomicBoolean fallbackReported = new AtomicBoolean();
    /** Set by {@link #sweepLambda}: per-tensor base and update, kept across the outputs of a sweep. */
    private volatile java.util.Map<String, Cached> sweepCache;
    private volatile Double lambdaOverride;

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.baseIndex() < 0) {
            return "merge method " + info().name() + " needs a base model (task vectors are taken against it);"
                    + " add `base_model: <model>` to the recipe";
        }
        if (ctx.inputCount() < 2) {
            return "merge method " + info().name() + " needs at least one model besides the base model for tensor "
                    + ctx.outputName();
        }
        return null;
    }

    @Override
    public final void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        Update u;
        float[] base;
        if (sweepCache != null && sweepCache.containsKey(ctx.outputName())) {
            Cached c = sweepCache.get(ctx.outputName());
            u = c.update();
            base = c.base();
        } else {
            TaskVectors tv = TaskVectors.read(ctx, inputs);
            u = update(ctx, tv);
            base = tv.base();
            if (sweepCache != null) {
                sweepCache.put(ctx.outputName(), new Cached(base, u));
            }
        }
        double lambda = lambda(ctx);
        float[] out = new float[base.length];
        for (int i = 0; i < out.length; i++) {
            double v = base[i];
            if (u.fixed() != null) {
                v += u.fixed()[i];
            }
            if (u.scaled() != null) {
                v += lambda * u.scaled()[i];
            }
            out[i] = (float) v;
        }
        output.write(0, out, 0, out.length);
    }

    /**
     * θ − θ₀ = fixed + λ·scaled for one tensor, each rounded once to float32 (either may be null for zero). The
     * λ-independent split lets a sweep reuse the decompositions.
     */
    public record Update(float[] fixed, float[] scaled) {
        public static Update scaled(double[] v) {
            return new Update(null, toFloats(v));
        }

        static float[] toFloats(double[] v) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return f;
        }

        public static Update of(double[] fixed, double[] scaled) {
            return new Update(fixed == null ? null : toFloats(fixed), scaled == null ? null : toFloats(scaled));
        }
    }

    private record Cached(float[] base, Update update) {
    }

    /** The update of one tensor, before λ is applied. */
    protected abstract Update update(TensorMergeContext ctx, TaskVectors tv);

    @Override
    public void sweepLambda(double lambda) {
        if (sweepCache == null) {
            sweepCache = new java.util.concurrent.ConcurrentHashMap<>();
        }
        lambdaOverride = lambda;
    }

    /**
     * Peak bytes for one tensor of {@code numel} elements: the float32 base, read buffer and output, a float64 task
     * vector per task, and about eight tensor-sized float64 matrices of SVD and polar workspace (factors, their
     * concatenation, polar factors, EJML's internal copy), for the executor's memory limit.
     */
    @Override
    public long workingMemoryBytes(long numel, int inputCount) {
        return (8L * Math.max(1, inputCount - 1) + 3L * Float.BYTES + 8L * Double.BYTES) * numel;
    }

    /** The recipe's {@code lambda} for this tensor, or the sweep's current value. */
    protected double lambda(TensorMergeContext ctx) {
        Double o = lambdaOverride;
        return o != null ? o : ctx.params().number("lambda");
    }

    protected static boolean decomposeEmbeddings(TensorMergeContext ctx) {
        return ctx.params().has(DECOMPOSE_EMBEDDINGS) && ctx.params().bool(DECOMPOSE_EMBEDDINGS);
    }

    /**
     * Options for the top-k SVD of task {@code task} of this tensor: AUTO (randomized only when it saves work),
     * EXACT with {@code exact_svd: true} or {@code -Damalgam.svd.exact=true}; the seed is derived from the merge
     * seed, the tensor name and the task index, so reruns are identical.
     */
    protected static TruncatedSvdOptions svdOptions(TensorMergeContext ctx, int task) {
        boolean exact = ctx.params().has(EXACT_SVD) && ctx.params().bool(EXACT_SVD);
        long seed = new CounterRandom(ctx.seed(), ctx.outputName()).substream(task).bits(0);
        TruncatedSvdOptions o = TruncatedSvdOptions.defaults(seed);
        return exact ? o.withMode(TruncatedSvdOptions.Mode.EXACT) : o;
    }

    /** Reports a fallback once per merge (the first tensor it happens to), not once per tensor. */
    protected void reportFallbackOnce(TensorMergeContext ctx, String message) {
        if (fallbackReported.compareAndSet(false, true)) {
            ctx.warnings().accept(message);
        }
    }

    protected static String shapeOf(DMatrix m) {
        return m.rows() + "x" + m.cols();
    }
}
