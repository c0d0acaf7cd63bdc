package dev.amalgam.config;

import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.error.ConfigException;
import dev.amalgam.tensor.DType;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a mergekit recipe ({@code mergekit-yaml} format, compat.md §2) into a {@link MergeConfiguration}. All
 * problems are collected and reported together in one {@link ConfigException} (exit code 2), one per line as
 * {@code file:line:column: yaml.path: problem}; accepted oddities become {@link ConfigWarning}s.
 *
 * <p>Merge method names are not checked here (the method registry owns them); everything else that can be checked
 * without looking at a model is, so that a typo fails before any download.
 */
public final class ConfigParser {

    private static final Set<String> TOP_KEYS = Set.of("merge_method", "models", "slices", "modules", "base_model",
            "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template");
    private static final Set<String> TOKENIZER_KEYS = Set.of("source", "tokens", "pad_to_multiple_of");
    /** mergekit/_data/chat_templates/*.jinja. */
    static final List<String> BUILTIN_CHAT_TEMPLATES = List.of("alpaca", "chatml", "exaone", "llama3", "mistral");

    private ConfigParser() {
    }

    /** Reads and parses a recipe file (UTF-8). */
    public static MergeConfiguration parse(Path file) {
        if (!Files.exists(file)) {
            throw new ConfigException("recipe file not found: " + file);
        }
        if (Files.isDirectory(file)) {
            throw new ConfigException("recipe path is a directory, not a YAML file: " + file);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ConfigException("recipe file is not valid UTF-8 text: " + file);
        } catch (IOException e) {
            throw new ConfigException("cannot read recipe file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses recipe text.
     *
     * @param fileLabel the name used in messages and locations
     */
    public static MergeConfiguration parse(String text, String fileLabel) {
        Diagnostics d = new Diagnostics(fileLabel);
        YNode root = YamlLoader.load(text, d);
        if (d.hasErrors()) {
            throw d.exception();
        }
        if (Nodes.isAbsent(root)) {
            d.error(d.start(), "", "the recipe is empty; expected a mapping with 'merge_method' and one of 'models',"
                    + " 'slices' or 'modules'");
            throw d.exception();
        }
        if (!(root instanceof YMap top)) {
            d.error(root.location(), "", "the recipe must be a mapping at the top level (merge_method: ..., models:"
                    + " ...), found " + root.describe());
            throw d.exception();
        }
        MergeConfiguration config = new ConfigParser.Reader(top, text, d).read();
        if (d.hasErrors()) {
            throw d.exception();
        }
        return config;
    }

    /** One parse: the top-level mapping and the diagnostics being collected. */
    private record Reader(YMap top, String text, Diagnostics d) {

        MergeConfiguration read() {
            Nodes.checkKeys(top, "", TOP_KEYS, Set.of(), d);
            String method = mergeMethod();
            List<InputModelDefinition> models = null;
            List<OutputSliceDefinition> slices = null;
            Map<String, OutputModuleDefinition> modules = null;
            List<String> present = new ArrayList<>();
            for (String key : List.of("models", "slices", "modules")) {
                if (InputsReader.isPresent(top.get(key))) {
                    present.add(key);
                }
            }
            if (present.size() != 1) {
                String found = present.isEmpty() ? emptyHint() : " (found " + String.join(", ", present) + ")";
                YamlLocation where = present.size() > 1
                        ? top.entries().get(present.get(1)).keyLocation() : top.location();
                d.error(where, "", "Exactly one of 'models', 'slices', or 'modules' must be present" + found);
            }
            if (present.contains("models")) {
                models = InputsReader.models(top.get("models"), "models", d);
            }
            if (present.contains("slices")) {
                slices = InputsReader.slices(top.get("slices"), "slices", d);
            }
            if (present.contains("modules")) {
                modules = InputsReader.modules(top.get("modules"), "modules", d);
            }
            ModelReference base = Nodes.isAbsent(top.get("base_model"))
                    ? null : ModelReader.reference(top.get("base_model"), "base_model", d);
            Parameters params = ParameterReader.read(top.get("parameters"), "parameters", d);
            DType dtype = dtype("dtype");
            DType outDtype = dtype("out_dtype");
            String tokenizerSource = Nodes.isAbsent(top.get("tokenizer_source"))
                    ? null : tokenizerSource(top.get("tokenizer_source"), "tokenizer_source");
            TokenizerConfig tokenizer = tokenizer();
            if (tokenizerSource != null && tokenizer != null) {
                d.error(top.entries().get("tokenizer").keyLocation(), "tokenizer",
                        "Cannot specify both tokenizer_source and tokenizer");
            }
            String chatTemplate = chatTemplate();
            if (d.hasErrors()) {
                return null;
            }
            return new MergeConfiguration(method, models, slices, modules, base, params, dtype, outDtype,
                    tokenizerSource, tokenizer, chatTemplate, text, d.file(), d.warnings(),
                    top.get("merge_method").location());
        }

        private String emptyHint() {
            for (String key : List.of("models", "slices", "modules")) {
                if (top.has(key)) {
                    return " ('" + key + "' is empty)";
                }
            }
            return "";
        }

        private String mergeMethod() {
            YNode node = top.get("merge_method");
            if (Nodes.isAbsent(node)) {
                d.error(node == null ? top.location() : node.location(), "merge_method",
                        "missing required key 'merge_method' (e.g. linear, slerp, ties, task_arithmetic)");
                return null;
            }
            String method = Nodes.string(node, "merge_method", "a merge method name", d);
            if (method != null && method.isBlank()) {
                d.error(node.location(), "merge_method", "merge_method is empty");
                return null;
            }
            return method;
        }

        /**
         * mergekit accepts bfloat16, float16, float32 (and int64), optionally with {@code torch.}; Amalgam adds
         * float64. int64 is refused: it is only meaningful for a few index tensors, never as a merge dtype.
         */
        private DType dtype(String key) {
            YNode node = top.get(key);
            if (Nodes.isAbsent(node)) {
                return null;
            }
            String name = Nodes.string(node, key, "a dtype name", d);
            if (name == null) {
                return null;
            }
            Optional<DType> dtype = DType.fromTorchName(name);
            if (dtype.isEmpty() || !dtype.get().isWritableFloat()) {
                d.error(node.location(), key, "unknown dtype '" + name + "'; use one of bfloat16, float16, float32,"
                        + " float64 (optionally prefixed 'torch.'); short names such as 'bf16' or 'fp16' are not"
                        + " accepted by mergekit either");
                return null;
            }
            return dtype.get();
        }

        /** "union", "base", or a model reference given back in canonical string form. */
        private String tokenizerSource(YNode node, String path) {
            if (node instanceof YScalar s && (s.text().equals("union") || s.text().equals("base"))) {
                return s.text();
            }
            ModelReference ref = ModelReader.reference(node, path, d);
            return ref == null ? null : ref.toString();
        }

        private TokenizerConfig tokenizer() {
            YNode node = top.get("tokenizer");
            if (Nodes.isAbsent(node)) {
                return null;
            }
            YMap m = Nodes.map(node, "tokenizer", "a mapping {source, tokens, pad_to_multiple_of}", d);
            if (m == null) {
                return null;
            }
            Nodes.checkKeys(m, "tokenizer", TOKENIZER_KEYS, Set.of(), d);
            String source = Nodes.isAbsent(m.get("source"))
                    ? "union" : tokenizerSource(m.get("source"), "tokenizer.source");
            Map<String, Object> tokens = null;
            YNode tokensNode = m.get("tokens");
            if (!Nodes.isAbsent(tokensNode)) {
                YMap tm = Nodes.map(tokensNode, "tokenizer.tokens", "a mapping of token strings to settings", d);
                if (tm != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> plain = (Map<String, Object>) YNode.toPlain(tm);
                    tokens = plain;
                }
            }
            Integer pad = null;
            YNode padNode = m.get("pad_to_multiple_of");
            if (!Nodes.isAbsent(padNode)) {
                pad = Nodes.integer(padNode, "tokenizer.pad_to_multiple_of", "a vocabulary multiple", d);
                if (pad != null && pad < 1) {
                    d.error(padNode.location(), "tokenizer.pad_to_multiple_of", "must be a positive integer, found "
                            + pad);
                    pad = null;
                }
            }
            return new TokenizerConfig(source, tokens, pad, m.location());
        }

        /** mergekit (merge.py): a built-in name, {@code auto}, or a literal template of >= 20 chars with '{'. */
        private String chatTemplate() {
            YNode node = top.get("chat_template");
            if (Nodes.isAbsent(node)) {
                return null;
            }
            String value = Nodes.string(node, "chat_template", "a chat template name or Jinja template", d);
            if (value == null) {
                return null;
            }
            boolean ok = value.equals("auto") || BUILTIN_CHAT_TEMPLATES.contains(value)
                    || (value.length() >= 20 && value.contains("{"));
            if (!ok) {
                d.error(node.location(), "chat_template", "Invalid chat template '" + value + "': use 'auto', one of "
                        + String.join(", ", BUILTIN_CHAT_TEMPLATES) + ", or a literal Jinja template (at least 20"
                        + " characters, containing '{')");
                return null;
            }
            return value;
        }
    }
}
