package dev.amalgam.config;

import dev.amalgam.config.YNode.Entry;
import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.config.YNode.YSeq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads the three ways a recipe names its inputs: {@code models:}, {@code slices:} and {@code modules:}
 * (compat.md §2.3, §2.5). Malformed entries are reported and skipped so that later entries are still checked.
 */
final class InputsReader {

    private static final Set<String> MODEL_KEYS = Set.of("model", "parameters");
    private static final Set<String> SLICE_KEYS = Set.of("sources", "base_model", "parameters");
    private static final Set<String> SLICE_IGNORED = Set.of("residual_weight");
    private static final Set<String> SOURCE_KEYS = Set.of("model", "layer_range", "parameters");
    private static final Set<String> MODULE_KEYS = Set.of("slices", "models", "parameters");

    private InputsReader() {
    }

    static List<InputModelDefinition> models(YNode node, String path, Diagnostics d) {
        YSeq seq = Nodes.list(node, path, "a list of model entries ('- model: ...')", d);
        if (seq == null) {
            return List.of();
        }
        List<InputModelDefinition> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YNode item = seq.items().get(i);
            String itemPath = YamlPaths.index(path, i);
            YMap m = entryMap(item, itemPath, "a model entry", d);
            if (m == null) {
                continue;
            }
            Nodes.checkKeys(m, itemPath, MODEL_KEYS, Set.of(), d);
            ModelReference ref = requiredModel(m, itemPath, d);
            Parameters params = ParameterReader.read(m.get("parameters"), YamlPaths.key(itemPath, "parameters"), d);
            if (ref != null) {
                out.add(new InputModelDefinition(ref, params, itemPath, m.location()));
            }
        }
        return out;
    }

    static List<OutputSliceDefinition> slices(YNode node, String path, Diagnostics d) {
        YSeq seq = Nodes.list(node, path, "a list of slices ('- sources: [...]')", d);
        if (seq == null) {
            return List.of();
        }
        List<OutputSliceDefinition> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String slicePath = YamlPaths.index(path, i);
            YMap m = Nodes.map(seq.items().get(i), slicePath, "a slice mapping with 'sources'", d);
            if (m == null) {
                continue;
            }
            Nodes.checkKeys(m, slicePath, SLICE_KEYS, SLICE_IGNORED, d);
            List<InputSliceDefinition> sources = sources(m, slicePath, d);
            ModelReference base = null;
            if (!Nodes.isAbsent(m.get("base_model"))) {
                base = ModelReader.reference(m.get("base_model"), YamlPaths.key(slicePath, "base_model"), d);
            }
            Parameters params = ParameterReader.read(m.get("parameters"), YamlPaths.key(slicePath, "parameters"), d);
            if (sources != null) {
                out.add(new OutputSliceDefinition(sources, base, params, slicePath, m.location()));
            }
        }
        return out;
    }

    private static List<InputSliceDefinition> sources(YMap slice, String slicePath, Diagnostics d) {
        String path = YamlPaths.key(slicePath, "sources");
        YNode node = slice.get("sources");
        if (Nodes.isAbsent(node)) {
            d.error(node == null ? slice.location() : node.location(), path, "a slice needs 'sources': a list of"
                    + " '- model: ..., layer_range: [start, end]'");
            return null;
        }
        YSeq seq = Nodes.list(node, path, "a list of sources ('- model: ..., layer_range: [start, end]')", d);
        if (seq == null) {
            return null;
        }
        if (seq.items().isEmpty()) {
            d.error(seq.location(), path, "a slice needs at least one source");
            return null;
        }
        List<InputSliceDefinition> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String srcPath = YamlPaths.index(path, i);
            YMap m = entryMap(seq.items().get(i), srcPath, "a source", d);
            if (m == null) {
                continue;
            }
            Nodes.checkKeys(m, srcPath, SOURCE_KEYS, Set.of(), d);
            ModelReference ref = requiredModel(m, srcPath, d);
            int[] range = layerRange(m.get("layer_range"), YamlPaths.key(srcPath, "layer_range"), d);
            Parameters params = ParameterReader.read(m.get("parameters"), YamlPaths.key(srcPath, "parameters"), d);
            if (ref != null && range != null) {
                boolean has = range.length == 2;
                out.add(new InputSliceDefinition(ref, has ? range[0] : 0, has ? range[1] : 0, has, params, srcPath,
                        m.location()));
            }
        }
        List<InputSliceDefinition> ranged = out.stream().filter(InputSliceDefinition::hasLayerRange).toList();
        if (ranged.stream().map(InputSliceDefinition::layerCount).distinct().count() > 1) {
            String lengths = ranged.stream()
                    .map(s -> s.model() + " " + s.layerCount())
                    .collect(Collectors.joining(", "));
            d.error(seq.location(), path, "All inputs to a slice must contain the same number of layers (found "
                    + lengths + ")");
        }
        return out;
    }

    /** {@code [start, end]}, half-open; an empty array when absent; null when malformed (reported). */
    private static int[] layerRange(YNode node, String path, Diagnostics d) {
        if (Nodes.isAbsent(node)) {
            return new int[0];
        }
        if (!(node instanceof YSeq seq) || seq.items().size() != 2) {
            d.error(node.location(), path, "layer_range must be a list of two integers [start, end] (end exclusive),"
                    + " found " + (node instanceof YSeq s ? "a list of " + s.items().size() : node.describe()));
            return null;
        }
        Integer start = Nodes.integer(seq.items().get(0), YamlPaths.index(path, 0), "a layer index", d);
        Integer end = Nodes.integer(seq.items().get(1), YamlPaths.index(path, 1), "a layer index", d);
        if (start == null || end == null) {
            return null;
        }
        if (start < 0 || end < 0) {
            d.error(seq.location(), path, "layer_range [" + start + ", " + end + "] has a negative index; negative"
                    + " indices are not supported (mergekit does not support them either), write the layer count"
                    + " explicitly");
            return null;
        }
        if (end < start) {
            d.error(seq.location(), path, "layer_range [" + start + ", " + end + "] is reversed: end must be >= start"
                    + " (the range is half-open, [0, 4] means layers 0..3)");
            return null;
        }
        if (end == start) {
            d.warn(seq.location(), path, "layer_range [" + start + ", " + end + "] selects no layers (the range is"
                    + " half-open)");
        }
        return new int[] {start, end};
    }

    static Map<String, OutputModuleDefinition> modules(YNode node, String path, Diagnostics d) {
        YMap map = Nodes.map(node, path, "a mapping of module names to {slices | models, parameters}", d);
        if (map == null) {
            return Map.of();
        }
        Map<String, OutputModuleDefinition> out = new LinkedHashMap<>();
        for (Entry e : map.entries().values()) {
            String modPath = YamlPaths.key(path, e.key());
            if (Nodes.isAbsent(e.value())) {
                d.error(e.keyLocation(), modPath, "module '" + e.key() + "' is empty; it needs 'slices' or 'models'");
                continue;
            }
            YMap m = Nodes.map(e.value(), modPath, "a module mapping with 'slices' or 'models'", d);
            if (m == null) {
                continue;
            }
            Nodes.checkKeys(m, modPath, MODULE_KEYS, Set.of(), d);
            boolean hasSlices = isPresent(m.get("slices"));
            boolean hasModels = isPresent(m.get("models"));
            if (hasSlices == hasModels) {
                d.error(m.location(), modPath, "module '" + e.key() + "' must have exactly one of 'slices' or"
                        + " 'models' (mergekit: Must specify either output slices or models to merge)");
            }
            List<OutputSliceDefinition> slices = hasSlices
                    ? slices(m.get("slices"), YamlPaths.key(modPath, "slices"), d) : null;
            List<InputModelDefinition> models = hasModels
                    ? models(m.get("models"), YamlPaths.key(modPath, "models"), d) : null;
            Parameters params = ParameterReader.read(m.get("parameters"), YamlPaths.key(modPath, "parameters"), d);
            if (hasSlices != hasModels) {
                out.put(e.key(), new OutputModuleDefinition(slices, models, params, modPath, m.location()));
            }
        }
        return out;
    }

    /** mergekit tests these with Python truthiness: null, an empty list and an empty mapping count as absent. */
    static boolean isPresent(YNode node) {
        if (Nodes.isAbsent(node)) {
            return false;
        }
        return switch (node) {
            case YSeq s -> !s.items().isEmpty();
            case YMap m -> !m.entries().isEmpty();
            case YScalar s -> !s.text().isEmpty();
        };
    }

    private static YMap entryMap(YNode item, String path, String what, Diagnostics d) {
        if (item instanceof YScalar s && !s.isNull()) {
            d.error(item.location(), path, "expected " + what + " mapping, found " + s.describe() + "; write '- model: "
                    + s.text() + "'");
            return null;
        }
        return Nodes.map(item, path, what + " mapping ('- model: ...')", d);
    }

    private static ModelReference requiredModel(YMap m, String path, Diagnostics d) {
        if (!m.has("model")) {
            d.error(m.location(), YamlPaths.key(path, "model"), "missing required key 'model'");
            return null;
        }
        return ModelReader.reference(m.get("model"), YamlPaths.key(path, "model"), d);
    }
}
