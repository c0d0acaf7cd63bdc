package dev.amalgam.merge.methods;

import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.merge.sparsify.L1Rescale;
import dev.amalgam.merge.sparsify.SignConsensus;
import dev.amalgam.merge.sparsify.SparseMask;
import dev.amalgam.merge.sparsify.Sparsification;
import dev.amalgam.merge.sparsify.ValueSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generalized task arithmetic (compat.md §1.3), the one method behind task_arithmetic, ties, dare_ties,
 * dare_linear, breadcrumbs, breadcrumbs_ties, della and della_linear, each a {@link TaskArithmeticVariant}:
 *
 * <pre>
 * δᵢ = xᵢ − b                                  task vectors (Ilharco et al., arXiv:2212.04089)
 * δᵢ = sparsify(δᵢ) · (rescale ? Σ|δᵢ|/Σ|sparsified| : 1)
 * WDᵢ = wᵢ·δᵢ                                  weights BEFORE the sign election
 * consensus: Mᵢ = sign(WDᵢ) = sign(Σ WD) (0 never agrees); mixed = Σ WDᵢMᵢ, div = Σ wᵢMᵢ (0 → 1)
 * otherwise: mixed = Σ WDᵢ,                     div = Σ wᵢ (|div| < 1e-8 → 1)
 * out = b + λ · (normalize ? mixed/div : mixed)  λ after normalisation
 * </pre>
 *
 * The tensor is streamed: each sparsifier scans its task vector (a few passes over the memory-mapped inputs)
 * and keeps only a threshold or a bit mask; the final pass combines the models chunk by chunk. Random
 * sparsifiers draw from {@link CounterRandom} keyed by (seed, output tensor, input position, element), so the
 * output is the same for any thread count.
 */
public final class GeneralizedTaskArithmetic implements MergeMethod {
    private static final int CHUNK = 1 << 16;

    private final TaskArithmeticVariant variant;
    private final MethodInfo info;

    public GeneralizedTaskArithmetic(TaskArithmeticVariant variant) {
        this.variant = variant;
        List<ParamSpec> params = new ArrayList<>();
        params.add(ParamSpec.requiredPerModel("weight"));
        params.add(ParamSpec.perModel("density", 1.0));
        if (variant.usesGamma()) {
            params.add(ParamSpec.perModel("gamma", 0.01));
        }
        if (variant.usesEpsilon()) {
            params.add(ParamSpec.perModel("epsilon", 0.15));
        }
        params.add(ParamSpec.global("int8_mask", false));
        params.add(ParamSpec.global("normalize", variant.normalize()));
        params.add(ParamSpec.global("rescale", variant.rescale()));
        params.add(ParamSpec.global("lambda", 1.0));
        this.info = new MethodInfo(variant.name(), variant.prettyName(), variant.referenceUrl(),
                BaseModelUse.REQUIRED, List.copyOf(params), 1, Integer.MAX_VALUE, EmbedRectification.TO_BASE_SHAPE,
                variant.sparsification().random(), variant.description());
    }

    public TaskArithmeticVariant variant() {
        return variant;
    }

    @Override
    public MethodInfo info() {
        return info;
    }

    /** Variants that sparsify or elect signs make several passes over each task vector; plain task arithmetic one. */
    @Override
    public boolean repaysCompiledKernels() {
        return variant.signConsensus() || variant.sparsification() != Sparsification.NONE;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        if (ctx.baseIndex() < 0) {
            return "merge method " + variant.name() + " needs a base model (task vectors are taken against it);"
                    + " add `base_model: <model>` to the recipe";
        }
        if (!variant.usesEpsilon()) {
            return null;
        }
        for (int i = 0; i < ctx.inputCount(); i++) {
            if (i == ctx.baseIndex()) {
                continue;
            }
            ResolvedParams p = ctx.inputParams().get(i);
            double density = p.number("density");
            double eps = p.number("epsilon");
            if (density > 0 && density < 1 && (density - eps <= 0 || density + eps >= 1)) {
                return String.format(Locale.ROOT, "model '%s', tensor %s: %s needs density ± epsilon inside (0, 1),"
                                + " but density %s and epsilon %s give [%s, %s]; lower epsilon or move density",
                        ctx.inputModels().get(i), ctx.outputName(), variant.name(), density, eps,
                        round(density - eps), round(density + eps));
            }
        }
        return null;
    }

    /** For messages: 0.9 + 0.15 shows as 1.05, not 1.0500000000000003. */
    private static double round(double x) {
        return Math.round(x * 1e9) / 1e9;
    }

    /** One model's task vector, ready for the final pass: its sparsity mask, rescale factor and weight. */
    private record Prepared(int input, ValueSource delta, SparseMask mask, float scale, float weight) {
    }

    @Override
    public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        int base = ctx.baseIndex();
        List<Prepared> models = prepare(ctx, inputs);
        int m = models.size();
        float[] weights = new float[m];
        for (int k = 0; k < m; k++) {
            weights[k] = models.get(k).weight();
        }
        boolean normalize = ctx.params().bool("normalize");
        float lambda = (float) ctx.params().number("lambda");

        long numel = inputs.numel();
        int chunk = (int) Math.min(CHUNK, Math.max(1, numel));
        float[] b = new float[chunk];
        float[][] wd = new float[m][chunk];
        float[] mixed = new float[chunk];
        float[] div = new float[chunk];
        float[] out = new float[chunk];
        float[] total = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            inputs.read(base, off, b, 0, n);
            if (m == 0) {
                // no model has this tensor in the base's shape: mergekit returns the base unchanged
                output.write(off, b, 0, n);
                continue;
            }
            for (int k = 0; k < m; k++) {
                Prepared p = models.get(k);
                // δ = x − b with the base chunk already read: the same float32 subtraction as TaskVectorSource
                inputs.read(p.input(), off, wd[k], 0, n);
                TaskVectorKernels.subtract(wd[k], b, n);
                p.mask().apply(wd[k], n, off);
                TaskVectorKernels.scale(wd[k], n, p.scale());
                TaskVectorKernels.scale(wd[k], n, p.weight());
            }
            if (variant.signConsensus()) {
                SignConsensus.disjointSum(wd, weights, m, n, mixed, div, total);
            } else {
                SignConsensus.plainSum(wd, weights, m, n, mixed, div);
            }
            TaskVectorKernels.finish(b, mixed, div, n, normalize, lambda, out);
            output.write(off, out, 0, n);
        }
    }

    /**
     * Sparsifies every non-base input's task vector (a few streaming passes each) and computes its L1 rescale
     * factor. Each input draws from its own substream, keyed by its position among the inputs (recipe order).
     */
    private List<Prepared> prepare(TensorMergeContext ctx, TensorInputs inputs) {
        int base = ctx.baseIndex();
        long numel = inputs.numel();
        long[] shape = inputs.shape();
        boolean rescale = ctx.params().bool("rescale");
        CounterRandom tensorStream = new CounterRandom(ctx.seed(), ctx.outputName());
        List<Prepared> models = new ArrayList<>();
        for (int i = 0; i < inputs.count(); i++) {
            if (i == base) {
                continue;
            }
            ResolvedParams p = ctx.inputParams().get(i);
            ValueSource delta = new TaskVectorSource(inputs, i, base);
            SparseMask mask = variant.sparsification().mask(delta, shape, p.number("density", 1.0),
                    p.number("gamma", 0.01), p.number("epsilon", 0.15), tensorStream.substream(i));
            float scale = rescale ? (float) L1Rescale.factor(delta, numel, mask) : 1f;
            models.add(new Prepared(i, delta, mask, scale, (float) p.number("weight")));
        }
        return models;
    }
}
