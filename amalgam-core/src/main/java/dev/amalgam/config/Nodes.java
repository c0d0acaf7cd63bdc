package dev.amalgam.config;

import dev.amalgam.config.YNode.Entry;
import dev.amalgam.config.YNode.Kind;
import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.config.YNode.YSeq;
import java.util.Collection;
import java.util.Set;

/**
 * Small type checks shared by the recipe readers. Each reports "expected X, found Y" at the node's own location and
 * returns null, so the caller skips that part and carries on collecting further problems.
 */
final class Nodes {

    private Nodes() {
    }

    /** True when the key is absent or explicitly null/empty ({@code base_model:}), which pydantic treats as unset. */
    static boolean isAbsent(YNode node) {
        return node == null || (node instanceof YScalar s && s.isNull());
    }

    static YMap map(YNode node, String path, String expected, Diagnostics d) {
        if (node instanceof YMap m) {
            return m;
        }
        d.error(node.location(), path, "expected " + expected + ", found " + node.describe());
        return null;
    }

    static YSeq list(YNode node, String path, String expected, Diagnostics d) {
        if (node instanceof YSeq s) {
            return s;
        }
        d.error(node.location(), path, "expected " + expected + ", found " + node.describe());
        return null;
    }

    /** A quoted or plain string; numbers are refused (pydantic's str does not take them either). */
    static String string(YNode node, String path, String what, Diagnostics d) {
        if (node instanceof YScalar s && s.kind() == Kind.STRING) {
            return s.text();
        }
        d.error(node.location(), path, "expected " + what + " (a string), found " + node.describe());
        return null;
    }

    /**
     * A name-like literal (model path, revision, filter): a string, or a plain number taken as written, since
     * {@code revision: 20240101} or {@code filter: 10} obviously mean the text. (mergekit refuses numbers here.)
     */
    static String literal(YNode node, String path, String what, Diagnostics d) {
        if (node instanceof YScalar s && (s.kind() == Kind.STRING || s.kind() == Kind.INT || s.kind() == Kind.FLOAT)) {
            return s.text();
        }
        d.error(node.location(), path, "expected " + what + " (a string), found " + node.describe());
        return null;
    }

    /** An integer; integral floats such as {@code 4.0} are accepted like pydantic's lax int. */
    static Integer integer(YNode node, String path, String what, Diagnostics d) {
        if (node instanceof YScalar s && (s.kind() == Kind.INT || s.kind() == Kind.FLOAT)) {
            double v = s.asDouble();
            if (v == Math.rint(v) && Math.abs(v) <= Integer.MAX_VALUE) {
                return (int) v;
            }
        }
        d.error(node.location(), path, "expected " + what + " (an integer), found " + node.describe());
        return null;
    }

    /**
     * Warns about keys that are neither known nor known-but-ignored; mergekit (pydantic, extra="ignore") drops
     * them silently, which hides typos such as {@code paramters:}.
     */
    static void checkKeys(YMap map, String path, Set<String> known, Set<String> ignored, Diagnostics d) {
        for (Entry e : map.entries().values()) {
            String key = e.key();
            if (known.contains(key)) {
                continue;
            }
            String childPath = YamlPaths.key(path, key);
            if (ignored.contains(key)) {
                d.warn(e.keyLocation(), childPath, "'" + key + "' is ignored (mergekit accepts it but ignores it as"
                        + " well)");
            } else {
                String suggestion = closest(key, known);
                d.warn(e.keyLocation(), childPath, "unknown key '" + key + "' is ignored (mergekit ignores it too)"
                        + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"));
            }
        }
    }

    /** The known key within edit distance 2 of {@code key}, if any: catches {@code merge_methods}, {@code modle}. */
    static String closest(String key, Collection<String> known) {
        return dev.amalgam.util.Suggestions.closest(key, known, 2);
    }
}
