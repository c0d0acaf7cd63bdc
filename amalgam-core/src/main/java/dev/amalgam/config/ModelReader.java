package dev.amalgam.config;

import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.config.YNode.YSeq;
import java.util.Set;

/**
 * Reads model references in both of mergekit's forms: the string {@code path[@rev][+lora[@rev]]} and the dict
 * {@code {model: <path or {path, revision}>, lora?: ..., override_architecture?: X}}.
 */
final class ModelReader {

    private static final Set<String> DICT_KEYS = Set.of("model", "lora", "override_architecture");
    private static final Set<String> PATH_KEYS = Set.of("path", "revision");

    private ModelReader() {
    }

    /** The reference at {@code node}, or null (reported) when it is missing or malformed. */
    static ModelReference reference(YNode node, String path, Diagnostics d) {
        if (Nodes.isAbsent(node)) {
            d.error(node == null ? d.start() : node.location(), path, "missing model reference");
            return null;
        }
        return switch (node) {
            case YScalar s -> {
                String text = Nodes.literal(s, path, "a model path or repo id", d);
                yield text == null ? null : parse(() -> ModelReference.parse(text), s, path, d);
            }
            case YMap m -> dictForm(m, path, d);
            case YSeq s -> {
                d.error(s.location(), path, "expected a model reference (path or repo id, or {model: ...}), found a"
                        + " list");
                yield null;
            }
        };
    }

    private static ModelReference dictForm(YMap m, String path, Diagnostics d) {
        Nodes.checkKeys(m, path, DICT_KEYS, Set.of(), d);
        if (!m.has("model")) {
            d.error(m.location(), path, "a model reference mapping needs 'model' ({model: {path: ..., revision: ...},"
                    + " lora: ..., override_architecture: ...})");
            return null;
        }
        ModelReference model = modelPath(m.get("model"), YamlPaths.key(path, "model"), d);
        ModelReference lora = null;
        boolean ok = model != null;
        if (!Nodes.isAbsent(m.get("lora"))) {
            lora = modelPath(m.get("lora"), YamlPaths.key(path, "lora"), d);
            ok &= lora != null;
        }
        String arch = null;
        if (!Nodes.isAbsent(m.get("override_architecture"))) {
            arch = Nodes.string(m.get("override_architecture"), YamlPaths.key(path, "override_architecture"),
                    "an architecture name such as LlamaForCausalLM", d);
            ok &= arch != null;
        }
        return ok ? new ModelReference(model.path(), model.revision(), lora, arch) : null;
    }

    /** mergekit's {@code ModelPath}: a {@code path[@revision]} string (no '+' splitting) or {path, revision?}. */
    private static ModelReference modelPath(YNode node, String path, Diagnostics d) {
        if (node instanceof YMap m) {
            Nodes.checkKeys(m, path, PATH_KEYS, Set.of(), d);
            if (Nodes.isAbsent(m.get("path"))) {
                d.error(m.location(), path, "missing 'path'");
                return null;
            }
            String p = Nodes.literal(m.get("path"), YamlPaths.key(path, "path"), "a model path or repo id", d);
            String rev = null;
            if (!Nodes.isAbsent(m.get("revision"))) {
                rev = Nodes.literal(m.get("revision"), YamlPaths.key(path, "revision"), "a revision", d);
                if (rev == null) {
                    return null;
                }
            }
            if (p == null) {
                return null;
            }
            String revision = rev;
            return parse(() -> new ModelReference(p, revision, null, null), m, path, d);
        }
        if (Nodes.isAbsent(node) || !(node instanceof YScalar)) {
            d.error(node == null ? d.start() : node.location(), path, "expected a model path or {path, revision},"
                    + " found " + (node == null ? "nothing" : node.describe()));
            return null;
        }
        String text = Nodes.literal(node, path, "a model path or repo id", d);
        return text == null ? null : parse(() -> ModelReference.parsePath(text, text, "model"), node, path, d);
    }

    private static ModelReference parse(java.util.function.Supplier<ModelReference> parser, YNode node, String path,
            Diagnostics d) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            d.error(node.location(), path, e.getMessage());
            return null;
        }
    }
}
