package dev.amalgam.config;

import dev.amalgam.tensor.DType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed and validated mergekit recipe. Exactly one of {@code models}, {@code slices}, {@code modules} is non-null
 * (mergekit's "Exactly one of 'models', 'slices', or 'modules' must be present"); other nullable fields are null when
 * the recipe omits them.
 *
 * @param sourceText          the recipe text verbatim; the output model card embeds it
 * @param fileLabel           the recipe's name in messages (usually its path)
 * @param warnings            accepted oddities (unknown keys, ignored settings), in recipe order
 * @param mergeMethodLocation where the {@code merge_method} value is, for "unknown method" errors raised later
 */
public record MergeConfiguration(String mergeMethod, List<InputModelDefinition> models,
        List<OutputSliceDefinition> slices, Map<String, OutputModuleDefinition> modules, ModelReference baseModel,
        Parameters parameters, DType dtype, DType outDtype, String tokenizerSource, TokenizerConfig tokenizer,
        String chatTemplate, String sourceText, String fileLabel, List<ConfigWarning> warnings,
        YamlLocation mergeMethodLocation) {

    public MergeConfiguration {
        Objects.requireNonNull(mergeMethod, "mergeMethod");
        models = models == null ? null : List.copyOf(models);
        slices = slices == null ? null : List.copyOf(slices);
        modules = modules == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        parameters = parameters == null ? Parameters.empty() : parameters;
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * Every model the recipe needs, each once, in recipe order: the models / slice sources / module contents first,
     * then the top-level base model, then per-slice base models. Unlike mergekit (which returns a set, in hash order)
     * the order is stable, so downloads and messages are reproducible; per-slice bases are included because they
     * must be loaded too.
     */
    public List<ModelReference> referencedModels() {
        LinkedHashSet<ModelReference> out = new LinkedHashSet<>();
        List<OutputSliceDefinition> allSlices = new ArrayList<>();
        if (models != null) {
            models.forEach(m -> out.add(m.model()));
        }
        if (slices != null) {
            addSources(out, slices);
            allSlices.addAll(slices);
        }
        if (modules != null) {
            for (OutputModuleDefinition module : modules.values()) {
                if (module.models() != null) {
                    module.models().forEach(m -> out.add(m.model()));
                }
                if (module.slices() != null) {
                    addSources(out, module.slices());
                    allSlices.addAll(module.slices());
                }
            }
        }
        if (baseModel != null) {
            out.add(baseModel);
        }
        for (OutputSliceDefinition slice : allSlices) {
            if (slice.baseModel() != null) {
                out.add(slice.baseModel());
            }
        }
        return List.copyOf(out);
    }

    private static void addSources(LinkedHashSet<ModelReference> out, List<OutputSliceDefinition> slices) {
        for (OutputSliceDefinition slice : slices) {
            slice.sources().forEach(s -> out.add(s.model()));
        }
    }
}
