package dev.amalgam.merge.subspace;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.random.CounterRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Shared frame of the subspace methods (TSV-M, Iso-C, Iso-CTS, CART; spec methods.md §1.1–§1.4): checks that a
 * base model is given, reads θ₀ and the task vectors of a tensor, lets the method compute the update Δ (so
 * θ = θ₀ + Δ, with the method's λ already in Δ), and writes θ₀ + Δ rounded once to float32 (and then to the
 * output dtype by the writer). Integer tensors never reach a method: the planner copies them from the base
 * model (spec §0.3).
 */
public abstract class TaskVectorMethod implements MergeMethod {
    /** Recipe parameter: {@code exact_svd: true} forces exact SVDs where a method would randomize. */
    public static final String EXACT_SVD = "exact_svd";
    /** Recipe parameter: {@code decompose_embeddings: true} restores the references' routing (see SubspaceRouting). */
    public static final String DECOMPOSE_EMBEDDINGS = "decompose_embeddings";

    private final AtomicBoolean fallbackReported = new AtomicBoolean();

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
        TaskVectors tv = TaskVectors.read(ctx, inputs);
        double[] delta = delta(ctx, tv);
        float[] base = tv.base();
        float[] out = new float[base.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (base[i] + delta[i]);
        }
        output.write(0, out, 0, out.length);
    }

    /** θ − θ₀ for this tensor, row-major, as many elements as the tensor. */
    protected abstract double[] delta(TensorMergeContext ctx, TaskVectors tv);

    /** The recipe's {@code lambda} for this tensor. */
    protected static double lambda(TensorMergeContext ctx) {
        return ctx.params().number("lambda");
    }

    protected static double[] scaled(double[] v, double s) {
        double[] o = v.clone();
        for (int i = 0; i < o.length; i++) {
            o[i] *= s;
        }
        return o;
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
