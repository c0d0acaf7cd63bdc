package dev.amalgam.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.io.model.ModelFolder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Infers a {@link ModelLayout} for any decoder-style model from tensor names and config.json, so that new
 * architectures work without a definition file (mergekit needs one per architecture, or instantiates the model
 * through Transformers to infer it; compat.md §3.10). The rule: the prefix before the first {@code .<index>.}
 * is a layer stack; the stack whose size matches the config's layer count (else the largest) is the model's;
 * everything else is a pre-weight when it is an embedding and a post-weight otherwise.
 */
public final class ArchitectureInference {
    private static final Pattern LAYER_NAME = Pattern.compile("^(.*?)\\.(\\d+)\\.(.+)$");

    /** Config keys that hold the layer count, in the order they are tried (dotted paths for nested configs). */
    static final List<String> LAYER_COUNT_KEYS = List.of(
            "num_hidden_layers", "n_layer", "num_layers", "n_layers", "decoder_layers",
            "text_config.num_hidden_layers", "llm_config.num_hidden_layers");

    private ArchitectureInference() {
    }

    public static ModelLayout infer(ModelFolder model) {
        return infer(new ArrayList<>(model.tensors().keySet()), model.config().orElse(null));
    }

    public static ModelLayout infer(List<String> tensorNames, ObjectNode config) {
        Map<String, TreeMap<Integer, List<String>>> stacks = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        for (String name : tensorNames) {
            Matcher m = LAYER_NAME.matcher(name);
            if (m.matches() && m.group(2).length() < 9) {
                stacks.computeIfAbsent(m.group(1), k -> new TreeMap<>())
                        .computeIfAbsent(Integer.parseInt(m.group(2)), k -> new ArrayList<>())
                        .add(m.group(3));
            } else {
                others.add(name);
            }
        }
        String countKey = null;
        Integer configCount = null;
        if (config != null) {
            for (String key : LAYER_COUNT_KEYS) {
                JsonNode v = dotted(config, key);
                if (v != null && v.isIntegralNumber()) {
                    countKey = key;
                    configCount = v.intValue();
                    break;
                }
            }
        }
        String prefix = null;
        for (Map.Entry<String, TreeMap<Integer, List<String>>> e : stacks.entrySet()) {
            int size = e.getValue().lastKey() + 1;
            if (configCount != null && size == configCount) {
                prefix = e.getKey();
                break;
            }
            if (prefix == null || e.getValue().size() > stacks.get(prefix).size()) {
                prefix = e.getKey();
            }
        }
        TreeMap<Integer, List<String>> suffixes = new TreeMap<>();
        if (prefix != null) {
            for (Map.Entry<String, TreeMap<Integer, List<String>>> e : stacks.entrySet()) {
                if (!e.getKey().equals(prefix)) {
                    // another indexed stack (a vision tower, say): carried along as whole tensors
                    e.getValue().forEach((i, s) -> s.forEach(x -> others.add(e.getKey() + "." + i + "." + x)));
                }
            }
            stacks.get(prefix).forEach((i, s) -> suffixes.put(i, List.copyOf(s)));
        }
        int numLayers = configCount != null ? configCount : (suffixes.isEmpty() ? 0 : suffixes.lastKey() + 1);
        if (configCount == null) {
            countKey = null;
        }
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (String name : others) {
            (TensorRoles.isPreWeight(name) ? pre : post).add(name);
        }
        Map<String, String> tied = new LinkedHashMap<>();
        String embedding = pre.stream().filter(TensorRoles::isInputEmbedding).findFirst().orElse(null);
        if (embedding != null) {
            String head = TensorRoles.headNameFor(embedding);
            if (head != null && !tensorNames.contains(head)) {
                tied.put(head, embedding);
            }
        }
        String arch = "unknown";
        String modelType = null;
        if (config != null) {
            JsonNode a = config.get("architectures");
            if (a != null && a.isArray() && !a.isEmpty()) {
                arch = a.get(0).asText();
            }
            JsonNode mt = config.get("model_type");
            if (mt != null && mt.isTextual()) {
                modelType = mt.asText();
            }
        }
        return new ModelLayout(arch, modelType, prefix, numLayers, countKey,
                Collections.unmodifiableSortedMap(suffixes), List.copyOf(pre), List.copyOf(post), Map.copyOf(tied));
    }

    /** Reads a dotted key ({@code text_config.num_hidden_layers}) from a JSON object. */
    public static JsonNode dotted(JsonNode node, String key) {
        JsonNode cur = node;
        for (String part : key.split("\\.")) {
            if (cur == null || !cur.isObject()) {
                return null;
            }
            cur = cur.get(part);
        }
        return cur;
    }
}
