package dev.amalgam.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.arch.ArchitectureInference;
import dev.amalgam.arch.TensorRoles;
import dev.amalgam.config.InputModelDefinition;
import dev.amalgam.config.InputSliceDefinition;
import dev.amalgam.config.MergeConfiguration;
import dev.amalgam.config.ModelReference;
import dev.amalgam.config.OutputModuleDefinition;
import dev.amalgam.config.OutputSliceDefinition;
import dev.amalgam.config.ParameterLookup;
import dev.amalgam.config.Parameters;
import dev.amalgam.error.AmalgamException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.io.peft.LoraAdapter;
import dev.amalgam.merge.BaseModelUse;
import dev.amalgam.merge.EmbedRectification;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorTransform;
import dev.amalgam.util.Json;
import dev.amalgam.util.Suggestions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a {@link MergePlan} from a recipe: locates and opens every model (headers only), infers layouts,
 * normalises {@code models:} to slices, and decides every output tensor with its inputs, parameters, shape and
 * dtype. Every check that can be made without tensor data is made here, and all problems are reported together
 * (DESIGN.md principle 4), so a bad recipe fails in seconds instead of after a long merge.
 */
public final class Planner {
    private final MergeConfiguration cfg;
    private final PlanOptions opts;
    private final Problems problems = new Problems();
    private final List<String> warnings = new ArrayList<>();
    private final Map<ModelReference, LoadedModel> loaded = new LinkedHashMap<>();
    private MergeMethod method;
    private Parameters moduleParams;

    private Planner(MergeConfiguration cfg, PlanOptions opts) {
        this.cfg = cfg;
        this.opts = opts;
    }

    public static MergePlan plan(MergeConfiguration cfg, PlanOptions opts) {
        Planner p = new Planner(cfg, opts);
        try {
            return p.build();
        } catch (RuntimeException e) {
            p.loaded.values().forEach(m -> m.folder().close());
            throw e;
        }
    }

    private MergePlan build() {
        cfg.warnings().forEach(w -> warnings.add(w.toString()));
        method = MethodRegistry.find(cfg.mergeMethod()).orElse(null);
        if (method == null) {
            problems.config(MethodRegistry.unknownMessage(cfg.mergeMethod(), at(cfg.mergeMethodLocation())));
        }
        checkUnsupportedFeatures();
        loadModels();
        problems.throwIfAny();
        checkArchitectures();
        List<SourceSlice> slices = normalize();
        problems.throwIfAny();
        if (method == null) {
            problems.throwIfAny();
        }
        warnUnknownParameters();
        LoadedModel donor = donor();
        List<TensorJob> jobs = new ArrayList<>();
        int outLayers = buildJobs(slices, donor, jobs);
        problems.throwIfAny();
        ObjectNode outConfig = outputConfig(donor, outLayers, usesSlices());
        for (LoadedModel m : loaded.values()) {
            warnings.addAll(m.folder().warnings());
        }
        return new MergePlan(cfg, method, List.copyOf(loaded.values()), donor, List.copyOf(jobs), outLayers,
                outConfig, List.copyOf(new LinkedHashSet<>(warnings)), opts.seed());
    }

    private static String at(dev.amalgam.config.YamlLocation loc) {
        return loc == null ? "" : loc + ": ";
    }

    private void checkUnsupportedFeatures() {
        if (cfg.tokenizerSource() != null || cfg.tokenizer() != null) {
            problems.config((cfg.tokenizer() != null ? at(cfg.tokenizer().location()) + "tokenizer" : "tokenizer_source")
                    + ": building a merged tokenizer is not supported by this version of Amalgam yet. Remove the"
                    + " key to copy the base model's tokenizer unchanged.");
        }
        if (cfg.chatTemplate() != null) {
            problems.config("chat_template: setting a chat template is not supported by this version of Amalgam"
                    + " yet. Remove the key to keep the donor tokenizer's template.");
        }
        if (cfg.modules() != null) {
            for (Map.Entry<String, OutputModuleDefinition> e : cfg.modules().entrySet()) {
                if (!e.getKey().equals("default")) {
                    problems.config(at(e.getValue().location()) + e.getValue().yamlPath() + ": module '" + e.getKey()
                            + "': multi-module architectures (vision-language, encoder-decoder) are not supported yet;"
                            + " single-module models use the module name 'default' (or plain models:/slices:)");
                }
            }
        }
    }

    private void loadModels() {
        for (ModelReference ref : cfg.referencedModels()) {
            try {
                Path dir = opts.locator().locate(ref);
                ModelFolder folder = ModelFolder.open(dir);
                var layout = ArchitectureInference.infer(folder);
                if (ref.overrideArchitecture() != null) {
                    layout = new dev.amalgam.arch.ModelLayout(ref.overrideArchitecture(), layout.modelType(),
                            layout.layerPrefix(), layout.numLayers(), layout.numLayersKey(), layout.layerSuffixes(),
                            layout.preWeights(), layout.postWeights(), layout.tiedTo());
                }
                Map<String, LoraAdapter.Patch> patches = Map.of();
                if (ref.lora() != null) {
                    Path adapterDir = opts.locator().locate(ref.lora().path(), ref.lora().revision(), "LoRA adapter");
                    patches = LoraAdapter.open(adapterDir).bind(folder);
                }
                loaded.put(ref, new LoadedModel(ref, dir, folder, layout, opts.locator().isInHubCache(dir), patches));
            } catch (AmalgamException e) {
                problems.add(e);
            }
        }
    }

    private void checkArchitectures() {
        Map<String, List<String>> byArch = new LinkedHashMap<>();
        for (LoadedModel m : loaded.values()) {
            byArch.computeIfAbsent(m.layout().architecture(), k -> new ArrayList<>()).add(m.displayName());
        }
        if (byArch.size() > 1) {
            String detail = byArch.entrySet().stream().map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")")
                    .reduce((a, b) -> a + " vs " + b).orElse("");
            if (opts.allowCrimes()) {
                warnings.add("merging models of different architectures (--allow-crimes): " + detail);
            } else {
                problems.config("the models have different architectures: " + detail
                        + ". Pass --allow-crimes to merge them anyway.");
            }
        }
    }

    private boolean usesSlices() {
        return cfg.slices() != null || (cfg.modules() != null && cfg.modules().values().stream()
                .anyMatch(m -> m.slices() != null));
    }

    private List<SourceSlice> normalize() {
        List<InputModelDefinition> models = cfg.models();
        List<OutputSliceDefinition> sliceDefs = cfg.slices();
        if (cfg.modules() != null) {
            OutputModuleDefinition mod = cfg.modules().get("default");
            if (mod == null) {
                return List.of();
            }
            models = mod.models();
            sliceDefs = mod.slices();
            moduleParams = mod.parameters();
        }
        LoadedModel topBase = cfg.baseModel() == null ? null : loaded.get(cfg.baseModel());
        List<SourceSlice> out = new ArrayList<>();
        if (models != null) {
            List<SourceSlice.Source> sources = new ArrayList<>();
            Set<ModelReference> seen = new LinkedHashSet<>();
            for (InputModelDefinition d : models) {
                LoadedModel m = loaded.get(d.model());
                if (!seen.add(d.model())) {
                    warnings.add(at(d.location()) + d.yamlPath() + ": model '" + d.model()
                            + "' is listed twice; only its first entry is used (as in mergekit)");
                    continue;
                }
                sources.add(new SourceSlice.Source(m, 0, m.layout().numLayers(), d.parameters(), d.yamlPath(), null));
            }
            if (topBase != null && seen.add(cfg.baseModel())) {
                sources.add(new SourceSlice.Source(topBase, 0, topBase.layout().numLayers(), Parameters.empty(),
                        "base_model", null));
            }
            Set<Integer> lengths = new LinkedHashSet<>();
            sources.forEach(s -> lengths.add(s.length()));
            if (lengths.size() > 1) {
                problems.config("models: the models have different layer counts ("
                        + String.join(", ", sources.stream().map(s -> s.model().displayName() + ": " + s.length()).toList())
                        + "); use slices: with layer_range to choose which layers to merge");
            }
            out.add(new SourceSlice(sources, topBase, null));
            return out;
        }
        if (sliceDefs == null) {
            return out;
        }
        for (OutputSliceDefinition sd : sliceDefs) {
            LoadedModel base = sd.baseModel() != null ? loaded.get(sd.baseModel()) : topBase;
            List<SourceSlice.Source> sources = new ArrayList<>();
            Set<ModelReference> seen = new LinkedHashSet<>();
            for (InputSliceDefinition src : sd.sources()) {
                LoadedModel m = loaded.get(src.model());
                int n = m.layout().numLayers();
                int start = src.hasLayerRange() ? src.layerStart() : 0;
                int end = src.hasLayerRange() ? src.layerEnd() : n;
                if (start < 0 || end > n || start > end) {
                    problems.config(at(src.location()) + src.yamlPath() + ".layer_range: [" + start + ", " + end
                            + "] is outside model '" + src.model() + "', which has " + n + " layers (a half-open range:"
                            + " valid values run from [0, 0] to [0, " + n + "])");
                    continue;
                }
                if (!seen.add(src.model())) {
                    warnings.add(at(src.location()) + src.yamlPath() + ": model '" + src.model()
                            + "' appears twice in one slice; only its first entry is used (as in mergekit)");
                    continue;
                }
                sources.add(new SourceSlice.Source(m, start, end, src.parameters(), src.yamlPath(), src));
            }
            if (sources.isEmpty()) {
                problems.config(at(sd.location()) + sd.yamlPath() + ": a slice needs at least one source");
                continue;
            }
            if (base != null && method != null && method.info().baseModel() != BaseModelUse.AS_INPUT
                    && !seen.contains(base.ref())) {
                problems.config(at(sd.location()) + sd.yamlPath() + ": the base model '" + base.ref()
                        + "' is not among this slice's sources; add it with the layer_range to use as base");
            }
            out.add(new SourceSlice(sources, base, sd));
        }
        return out;
    }

    private LoadedModel donor() {
        if (cfg.baseModel() != null && loaded.containsKey(cfg.baseModel())) {
            return loaded.get(cfg.baseModel());
        }
        return loaded.values().iterator().next();
    }

    private void warnUnknownParameters() {
        Set<String> known = new LinkedHashSet<>();
        method.info().params().forEach(p -> known.add(p.name()));
        List<Parameters> all = new ArrayList<>();
        all.add(cfg.parameters());
        if (cfg.models() != null) {
            cfg.models().forEach(m -> all.add(m.parameters()));
        }
        List<OutputSliceDefinition> slices = new ArrayList<>();
        if (cfg.slices() != null) {
            slices.addAll(cfg.slices());
        }
        if (cfg.modules() != null) {
            for (OutputModuleDefinition mod : cfg.modules().values()) {
                all.add(mod.parameters());
                if (mod.slices() != null) {
                    slices.addAll(mod.slices());
                }
                if (mod.models() != null) {
                    mod.models().forEach(m -> all.add(m.parameters()));
                }
            }
        }
        for (OutputSliceDefinition s : slices) {
            all.add(s.parameters());
            s.sources().forEach(src -> all.add(src.parameters()));
        }
        for (Parameters ps : all) {
            if (ps == null) {
                continue;
            }
            for (var e : ps.settings().entrySet()) {
                if (!known.contains(e.getKey())) {
                    String best = Suggestions.closest(e.getKey(), known, 2);
                    String hint = best != null ? " (did you mean '" + best + "'?)" : "";
                    warnings.add(at(e.getValue().location()) + e.getValue().yamlPath() + ": parameter '" + e.getKey()
                            + "' is not used by merge method " + method.info().name() + " and is ignored" + hint);
                }
            }
        }
    }

    private int buildJobs(List<SourceSlice> slices, LoadedModel donor, List<TensorJob> jobs) {
        if (slices.isEmpty()) {
            return 0;
        }
        JobBuilder jb = new JobBuilder(method, cfg, moduleParams, opts.seed(), problems, warnings);
        SourceSlice first = slices.get(0);
        for (String name : union(first, m -> m.layout().preWeights())) {
            jb.add(jobs, name, first, src -> name, 0.0);
        }
        String outPrefix = donor.layout().layerPrefix() != null ? donor.layout().layerPrefix()
                : first.sources().get(0).model().layout().layerPrefix();
        int k = 0;
        for (SourceSlice slice : slices) {
            int len = slice.length();
            for (int j = 0; j < len; j++) {
                // mergekit: layer j of an L-layer slice is at t = j / (L - 1), and t = 1 for a one-layer slice
                double t = len == 1 ? 1.0 : (double) j / (len - 1);
                int jj = j;
                Set<String> suffixes = new LinkedHashSet<>();
                for (SourceSlice.Source s : slice.sources()) {
                    suffixes.addAll(s.model().layout().suffixesOf(s.start() + j));
                }
                for (String suffix : suffixes) {
                    String out = outPrefix + "." + k + "." + suffix;
                    jb.add(jobs, out, slice, s -> s.model().layout().layerTensorName(s.start() + jj, suffix), t);
                }
                k++;
            }
        }
        SourceSlice last = slices.get(slices.size() - 1);
        for (String name : union(last, m -> m.layout().postWeights())) {
            jb.add(jobs, name, last, src -> name, 0.0);
        }
        return k;
    }

    private static List<String> union(SourceSlice slice, Function<LoadedModel, List<String>> names) {
        Set<String> out = new LinkedHashSet<>();
        for (SourceSlice.Source s : slice.sources()) {
            out.addAll(names.apply(s.model()));
        }
        return new ArrayList<>(out);
    }

    private ObjectNode outputConfig(LoadedModel donor, int outLayers, boolean slices) {
        ObjectNode out = donor.folder().config().map(ObjectNode::deepCopy).orElseGet(Json.MAPPER::createObjectNode);
        var dtype = cfg.outDtype() != null ? cfg.outDtype() : cfg.dtype();
        if (dtype != null) {
            out.put("torch_dtype", dtype.torchName());
        }
        String key = donor.layout().numLayersKey();
        if (slices && key != null) {
            String[] parts = key.split("\\.");
            ObjectNode node = out;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = node.get(parts[i]);
                if (!(child instanceof ObjectNode o)) {
                    return out;
                }
                node = o;
            }
            node.put(parts[parts.length - 1], outLayers);
        }
        return out;
    }

    /** Resolves one output tensor into a {@link TensorJob}: inputs, parameters, shape and dtype. */
    private static final class JobBuilder {
        private final MergeMethod method;
        private final MergeConfiguration cfg;
        private final Parameters moduleParams;
        private final long seed;
        private final Problems problems;
        private final List<String> warnings;
        private final Set<String> reported = new java.util.HashSet<>();
        private int validateProblems;

        JobBuilder(MergeMethod method, MergeConfiguration cfg, Parameters moduleParams, long seed, Problems problems,
                   List<String> warnings) {
            this.method = method;
            this.cfg = cfg;
            this.moduleParams = moduleParams;
            this.seed = seed;
            this.problems = problems;
            this.warnings = warnings;
        }

        void add(List<TensorJob> jobs, String outName, SourceSlice slice,
                 Function<SourceSlice.Source, String> inputName, double t) {
            Parameters sliceParams = slice.definition() == null ? null : slice.definition().parameters();
            boolean baseIsInput = method.info().baseModel() == BaseModelUse.AS_INPUT;
            List<JobInput> inputs = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            int baseIndex = -1;
            boolean complete = true;
            for (SourceSlice.Source src : slice.sources()) {
                String in = inputName.apply(src);
                var folder = src.model().folder();
                TensorLocation loc = folder.tensor(in)
                        .or(() -> src.model().layout().tiedSource(in).flatMap(folder::tensor)).orElse(null);
                if (loc == null) {
                    missing.add(src.model().displayName());
                    continue;
                }
                boolean isBase = slice.baseModel() != null && src.model() == slice.baseModel() && !baseIsInput;
                Map<String, Object> values = new LinkedHashMap<>();
                for (ParamSpec spec : method.info().params()) {
                    if (spec.scope() != ParamSpec.Scope.PER_MODEL) {
                        continue;
                    }
                    Object v = ParameterLookup.lookup(spec.name(), src.parameters(), sliceParams, moduleParams,
                            cfg.parameters(), in, t);
                    if (v == null) {
                        v = spec.defaultValue();
                    }
                    if (v == null && spec.required() && !isBase) {
                        complete = false;
                        if (reported.add(src.yamlPath() + "/" + spec.name())) {
                            problems.config(src.yamlPath() + ": missing required parameter '" + spec.name()
                                    + "' for model '" + src.model().displayName() + "' (first needed by tensor " + in
                                    + "). Add `" + spec.name() + ": <value>` under its parameters (or at the top"
                                    + " level).");
                        }
                    }
                    values.put(spec.name(), v);
                }
                TensorTransform transform = null;
                LoraAdapter.Patch patch = src.model().loraPatches().get(loc.info().name());
                if (patch instanceof LoraAdapter.Replacement r) {
                    loc = r.location();
                } else if (patch instanceof LoraAdapter.Update u) {
                    transform = u.transform();
                }
                inputs.add(new JobInput(src.model(), in, loc, new ResolvedParams(values), loc.info().shape(),
                        transform));
            }
            if (inputs.isEmpty()) {
                return;
            }
            if (!missing.isEmpty()) {
                if (slice.baseModel() != null && missing.contains(slice.baseModel().displayName()) && !baseIsInput) {
                    problems.config("tensor " + outName + " is required but not present in the base model '"
                            + slice.baseModel().displayName() + "'");
                    return;
                }
                warnings.add("tensor " + outName + " is missing from " + String.join(", ", missing)
                        + "; it is merged from the other models only");
            }
            Map<String, Object> globals = new LinkedHashMap<>();
            for (ParamSpec spec : method.info().params()) {
                if (spec.scope() != ParamSpec.Scope.GLOBAL) {
                    continue;
                }
                Object v = ParameterLookup.lookup(spec.name(), null, sliceParams, moduleParams, cfg.parameters(),
                        outName, t);
                if (v == null) {
                    v = spec.defaultValue();
                }
                if (v == null && spec.required()) {
                    complete = false;
                    if (reported.add("global/" + spec.name())) {
                        problems.config("missing required parameter '" + spec.name() + "' (first needed by tensor "
                                + outName + "). Add `" + spec.name() + ": <value>` under parameters.");
                    }
                }
                globals.put(spec.name(), v);
            }
            boolean embed = TensorRoles.isEmbedding(outName);
            LoadedModel base = baseIsInput ? null : slice.baseModel();
            long[] shape = resolveShape(outName, inputs, embed, base);
            if (shape == null) {
                return;
            }
            for (int i = 0; i < inputs.size(); i++) {
                if (base != null && inputs.get(i).model() == base) {
                    baseIndex = i;
                }
            }
            int n = inputs.size();
            int min = method.info().minInputs();
            int max = method.info().maxInputs();
            if (n < min || n > max) {
                String where = slice.definition() != null ? slice.definition().yamlPath() : "models";
                if (reported.add("count/" + where)) {
                    problems.config(where + ": merge method " + method.info().name() + " takes "
                            + (min == max ? "exactly " + min : min + " to " + max) + " input model(s) per tensor"
                            + " (base model included), but " + outName + " has " + n);
                }
                return;
            }
            var dtype = DtypeRules.outputDtype(outName, inputs, cfg, problems, warnings);
            if (dtype == null) {
                return;
            }
            boolean raw = !inputs.get(0).location().info().dtype().isMergeableFloat();
            if (raw && n > 1) {
                warnings.add("tensor " + outName + " holds " + inputs.get(0).location().info().dtype()
                        + " values, which are not merged: it is copied from "
                        + inputs.get(Math.max(0, baseIndex)).model().displayName());
            }
            ResolvedParams params = new ResolvedParams(globals);
            if (!raw && complete) {
                var ctx = new TensorMergeContext(outName, shape, params,
                        inputs.stream().map(JobInput::params).toList(),
                        inputs.stream().map(i -> i.model().displayName()).toList(), baseIndex, embed, seed, w -> { });
                String problem = method.validate(ctx);
                if (problem != null) {
                    // one method problem usually repeats for every tensor: show a few, not thousands
                    validateProblems++;
                    if (validateProblems <= 3) {
                        problems.config(problem);
                    } else if (validateProblems == 4) {
                        problems.config("(more tensors have the same kind of problem)");
                    }
                    return;
                }
            }
            jobs.add(new TensorJob(outName, List.copyOf(inputs), baseIndex, params, shape, dtype, embed, raw));
        }

        private long[] resolveShape(String outName, List<JobInput> inputs, boolean embed, LoadedModel base) {
            long[] first = inputs.get(0).viewShape();
            if (inputs.stream().allMatch(i -> Arrays.equals(i.viewShape(), first))) {
                return first;
            }
            boolean matrices = inputs.stream().allMatch(i -> i.viewShape().length == 2);
            EmbedRectification rule = method.info().rectification();
            JobInput baseInput = base == null ? null
                    : inputs.stream().filter(i -> i.model() == base).findFirst().orElse(null);
            if (embed && matrices && rule == EmbedRectification.COMMON_SUBMATRIX) {
                // mergekit's rectify_embed_sizes: truncate every input to the common top-left sub-matrix
                long rows = inputs.stream().mapToLong(i -> i.viewShape()[0]).min().orElseThrow();
                long cols = inputs.stream().mapToLong(i -> i.viewShape()[1]).min().orElseThrow();
                return cutTo(outName, inputs, new long[]{rows, cols}, "the common sub-matrix");
            }
            if (rule == EmbedRectification.TO_BASE_SHAPE && baseInput != null) {
                long[] bs = baseInput.viewShape();
                if (embed && matrices) {
                    for (JobInput i : inputs) {
                        if (i.viewShape()[0] < bs[0] || i.viewShape()[1] < bs[1]) {
                            problems.config("embedding " + outName + " of model '" + i.model().displayName() + "' is "
                                    + Arrays.toString(i.viewShape()) + ", smaller than the base model's "
                                    + Arrays.toString(bs) + "; it cannot be cut to the base's vocabulary");
                            return null;
                        }
                    }
                    return cutTo(outName, inputs, bs, "the base model's shape");
                }
                // the GTA family skips a model whose (non-embedding) tensor differs from the base's
                List<String> skipped = new ArrayList<>();
                inputs.removeIf(i -> {
                    boolean differs = !Arrays.equals(i.viewShape(), bs);
                    if (differs) {
                        skipped.add(i.model().displayName() + " " + Arrays.toString(i.viewShape()));
                    }
                    return differs;
                });
                warnings.add("tensor " + outName + " differs in shape from the base model's " + Arrays.toString(bs)
                        + " in " + String.join(", ", skipped) + "; those models are left out of this tensor"
                        + " (as in mergekit)");
                return bs;
            }
            problems.config("tensor " + outName + " has different shapes in the models: "
                    + String.join(", ", inputs.stream().map(i -> i.model().displayName() + " has "
                    + Arrays.toString(i.viewShape())).toList()) + "; these models cannot be merged tensor by tensor");
            return null;
        }

        private long[] cutTo(String outName, List<JobInput> inputs, long[] shape, String what) {
            warnings.add("embedding " + outName + " differs in size between models ("
                    + String.join(", ", inputs.stream().map(i -> i.model().displayName() + ": "
                    + Arrays.toString(i.viewShape())).toList()) + "); every input is truncated to "
                    + what + " " + Arrays.toString(shape) + " as mergekit does. Use a tokenizer merge to keep all"
                    + " tokens.");
            inputs.replaceAll(i -> i.withView(shape));
            return shape;
        }
    }
}
