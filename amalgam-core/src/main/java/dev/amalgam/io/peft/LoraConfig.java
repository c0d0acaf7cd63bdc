package dev.amalgam.io.peft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.error.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fields of a PEFT {@code adapter_config.json} that change how a LoRA adapter applies (formats.md §6):
 * rank and alpha with their per-module patterns, rsLoRA scaling, the Conv1D layout, DoRA, modules saved whole.
 */
public record LoraConfig(Path file, int r, double alpha, boolean rsLora, boolean fanInFanOut, boolean useDora,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern,
                         List<String> modulesToSave, TargetModules targets, String baseModel,
                         String taskType) {

    /**
     * PEFT's {@code target_modules} (tuners_utils.py {@code check_target_module_exists}): a list matches a module whose
     * path equals an entry or ends with {@code .entry}; a string is a regex that must match the whole path;
     * {@code "all-linear"} or no field at all accepts every module. {@code exclude_modules} works the same way.
     */
    public record TargetModules(List<String> names, String regex, List<String> excludeNames, String excludeRegex) {
        static final TargetModules ANY = new TargetModules(null, null, List.of(), null);

        public boolean targets(String module) {
            if (excludeRegex != null && Pattern.compile(excludeRegex).matcher(module).matches()
                    || excludeNames.stream().anyMatch(n -> nameMatches(n, module))) {
                return false;
            }
            if (regex != null) {
                return regex.equals("all-linear") || Pattern.compile(regex).matcher(module).matches();
            }
            return names == null || names.stream().anyMatch(n -> nameMatches(n, module));
        }

        private static boolean nameMatches(String name, String module) {
            return module.equals(name) || module.endsWith("." + name);
        }

        @Override
        public String toString() {
            return regex != null ? "'" + regex + "'" : String.valueOf(names);
        }
    }

    static LoraConfig parse(Path file, JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + " must hold a JSON object");
        }
        String type = text(root, "peft_type", "LORA");
        if (!type.equals("LORA")) {
            throw new BadInputException(file + ": peft_type is '" + type + "'; Amalgam applies LoRA adapters only");
        }
        JsonNode init = root.get("init_lora_weights");
        if (init != null && init.isTextual()) {
            String v = init.asText().toLowerCase(java.util.Locale.ROOT);
            for (String mutating : List.of("pissa", "olora", "corda", "loftq")) {
                if (v.startsWith(mutating)) {
                    throw new BadInputException(file + ": init_lora_weights is '" + init.asText() + "', which means the"
                            + " adapter was trained against a modified base model; convert it to a plain LoRA first"
                            + " (PEFT's path_initial_model_for_weight_conversion)");
                }
            }
        }
        JsonNode rNode = root.get("r");
        JsonNode alphaNode = root.get("lora_alpha");
        if (rNode == null || !rNode.isIntegralNumber() || rNode.asInt() <= 0) {
            throw new BadInputException(file + ": \"r\" must be a positive integer, found " + rNode);
        }
        if (alphaNode == null || !alphaNode.isNumber()) {
            throw new BadInputException(file + ": \"lora_alpha\" must be a number, found " + alphaNode);
        }
        Map<String, Integer> rank = new LinkedHashMap<>();
        patterns(file, root, "rank_pattern").forEach((k, v) -> {
            if (!v.isIntegralNumber() || v.asInt() <= 0) {
                throw new BadInputException(file + ": rank_pattern['" + k + "'] must be a positive integer");
            }
            rank.put(k, v.asInt());
        });
        Map<String, Double> alpha = new LinkedHashMap<>();
        patterns(file, root, "alpha_pattern").forEach((k, v) -> {
            if (!v.isNumber()) {
                throw new BadInputException(file + ": alpha_pattern['" + k + "'] must be a number");
            }
            alpha.put(k, v.asDouble());
        });
        List<String> save = new ArrayList<>();
        JsonNode mts = root.get("modules_to_save");
        if (mts != null && mts.isArray()) {
            mts.forEach(n -> save.add(n.asText()));
        }
        return new LoraConfig(file, rNode.asInt(), alphaNode.asDouble(), bool(root, "use_rslora"),
                bool(root, "fan_in_fan_out"), bool(root, "use_dora"), rank, alpha, save, targets(file, root),
                text(root, "base_model_name_or_path", null), text(root, "task_type", null));
    }

    private static TargetModules targets(Path file, JsonNode root) {
        JsonNode t = root.get("target_modules");
        JsonNode x = root.get("exclude_modules");
        List<String> names = null;
        String regex = null;
        if (t != null && t.isTextual()) {
            regex = compiles(file, "target_modules", t.asText());
        } else if (t != null && t.isArray()) {
            names = new ArrayList<>();
            for (JsonNode n : t) {
                names.add(n.asText());
            }
        } else if (t != null && !t.isNull()) {
            throw new BadInputException(file + ": target_modules must be a list of names or a regex string");
        }
        List<String> excluded = new ArrayList<>();
        String excludeRegex = null;
        if (x != null && x.isTextual()) {
            excludeRegex = compiles(file, "exclude_modules", x.asText());
        } else if (x != null && x.isArray()) {
            x.forEach(n -> excluded.add(n.asText()));
        }
        return names == null && regex == null && excluded.isEmpty() && excludeRegex == null ? TargetModules.ANY
                : new TargetModules(names, regex, excluded, excludeRegex);
    }

    private static String compiles(Path file, String key, String regex) {
        try {
            Pattern.compile(regex);
            return regex;
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new BadInputException(file + ": " + key + " '" + regex + "' is not a valid regex: "
                    + e.getDescription());
        }
    }

    /** The rank configured for a module: the first matching rank_pattern entry, else r. */
    public int rankFor(String module) {
        for (var e : rankPattern.entrySet()) {
            if (matches(e.getKey(), module)) {
                return e.getValue();
            }
        }
        return r;
    }

    public double alphaFor(String module) {
        for (var e : alphaPattern.entrySet()) {
            if (matches(e.getKey(), module)) {
                return e.getValue();
            }
        }
        return alpha;
    }

    /** PEFT's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA (Kalajdzievski 2023, arXiv:2312.03732). */
    public double scaleFor(String module) {
        int rank = rankFor(module);
        return rsLora ? alphaFor(module) / Math.sqrt(rank) : alphaFor(module) / rank;
    }

    /** PEFT matches pattern keys against the module path as {@code (.*\.)?(<key>)$}. */
    private static boolean matches(String key, String module) {
        return Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module).matches();
    }

    private static Map<String, JsonNode> patterns(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw new BadInputException(file + ": " + key + " must be an object of pattern to value");
        }
        n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    private static boolean bool(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n != null && n.asBoolean(false);
    }
}
