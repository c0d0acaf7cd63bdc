package dev.amalgam.config;

import dev.amalgam.config.YNode.Entry;
import dev.amalgam.config.YNode.Kind;
import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.config.YNode.YSeq;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Turns recipe text into a {@link YNode} tree. SnakeYAML's composer resolves YAML 1.1 implicit types the way PyYAML
 * (mergekit's loader) does, and expands aliases, but leaves merge keys ({@code <<: *a}, {@code <<: [*a, *b]}) as
 * ordinary entries; they are flattened here with PyYAML's precedence: explicit keys beat merged ones, and within a
 * list of merged maps the earlier map wins.
 *
 * <p>Duplicate keys in one mapping are an error. PyYAML silently keeps the last value, but in a recipe a repeated
 * key ({@code parameters:} twice, {@code weight} twice) is almost always an editing mistake that silently changes the
 * merge, so refusing it is safer than guessing. Overriding a merged key explicitly is not a duplicate.
 *
 * <p>Deviation: SnakeYAML's float rule also accepts {@code 1e-5} (PyYAML needs a dot, {@code 1.0e-5}, and would
 * yield the string "1e-5", which mergekit then mishandles); we read it as the number the author meant.
 */
final class YamlLoader {

    private final Diagnostics diagnostics;
    private final IdentityHashMap<Node, Boolean> inProgress = new IdentityHashMap<>();

    private YamlLoader(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    /** The document's root, or null when the text holds no document or a syntax error was reported. */
    static YNode load(String text, Diagnostics diagnostics) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            YamlLocation where = mark == null ? diagnostics.start() : at(diagnostics, mark);
            diagnostics.error(where, "", syntaxMessage(e, diagnostics));
            return null;
        } catch (YAMLException e) {
            diagnostics.error(diagnostics.start(), "", "invalid YAML: " + e.getMessage());
            return null;
        }
        if (root == null) {
            return null;
        }
        return new YamlLoader(diagnostics).convert(root, "");
    }

    private static YamlLocation at(Diagnostics d, Mark mark) {
        return new YamlLocation(d.file(), mark.getLine() + 1, mark.getColumn() + 1);
    }

    private YamlLocation at(Node node) {
        return at(diagnostics, node.getStartMark());
    }

    /** "YAML syntax error: <problem> (<context> at line L, column C)", without SnakeYAML's snippet and stack. */
    private static String syntaxMessage(MarkedYAMLException e, Diagnostics d) {
        StringBuilder sb = new StringBuilder("YAML syntax error: ");
        String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
        sb.append(problem == null ? "unreadable YAML" : problem.trim());
        if (e.getContext() != null && e.getProblem() != null) {
            sb.append(" (").append(e.getContext().trim());
            Mark cm = e.getContextMark();
            if (cm != null && e.getProblemMark() != null && cm.getLine() != e.getProblemMark().getLine()) {
                sb.append(" at line ").append(cm.getLine() + 1).append(", column ").append(cm.getColumn() + 1);
            }
            sb.append(')');
        }
        String lower = sb.toString().toLowerCase(Locale.ROOT);
        if (lower.contains("'\\t'") || lower.contains("tab")) {
            sb.append("; YAML does not allow tabs for indentation, use spaces");
        } else if (lower.contains("expected a single document")) {
            sb.append("; a recipe is one YAML document (remove the extra '---')");
        }
        return sb.toString();
    }

    private YNode convert(Node node, String path) {
        if (inProgress.containsKey(node)) {
            diagnostics.error(at(node), path, "recursive YAML alias: an anchor refers to itself");
            return new YScalar(Kind.NULL, null, "", at(node));
        }
        inProgress.put(node, Boolean.TRUE);
        try {
            return switch (node) {
                case ScalarNode s -> scalar(s, path);
                case SequenceNode s -> sequence(s, path);
                case MappingNode m -> mapping(m, path);
                default -> throw new IllegalStateException("unexpected YAML node " + node);
            };
        } finally {
            inProgress.remove(node);
        }
    }

    private YNode sequence(SequenceNode node, String path) {
        checkTag(node, Tag.SEQ, path);
        List<YNode> items = new ArrayList<>();
        List<Node> children = node.getValue();
        for (int i = 0; i < children.size(); i++) {
            items.add(convert(children.get(i), YamlPaths.index(path, i)));
        }
        return new YSeq(items, at(node));
    }

    private YNode mapping(MappingNode node, String path) {
        checkTag(node, Tag.MAP, path);
        Map<String, Entry> merged = new LinkedHashMap<>();
        Map<String, Entry> explicit = new LinkedHashMap<>();
        for (NodeTuple tuple : node.getValue()) {
            Node keyNode = tuple.getKeyNode();
            Node valueNode = tuple.getValueNode();
            if (keyNode instanceof ScalarNode k && Tag.MERGE.equals(k.getTag())) {
                mergeInto(merged, valueNode, path);
                continue;
            }
            if (!(keyNode instanceof ScalarNode k)) {
                diagnostics.error(at(keyNode), path, "mapping keys must be plain strings, found a "
                        + (keyNode instanceof SequenceNode ? "list" : "mapping"));
                continue;
            }
            String key = k.getValue();
            String childPath = YamlPaths.key(path, key);
            Entry previous = explicit.get(key);
            if (previous != null) {
                diagnostics.error(at(keyNode), childPath, "duplicate key '" + key + "' (first set at line "
                        + previous.keyLocation().line() + "); PyYAML would silently keep only the last value,"
                        + " remove one of them");
                continue;
            }
            explicit.put(key, new Entry(key, at(keyNode), convert(valueNode, childPath)));
        }
        Map<String, Entry> result = new LinkedHashMap<>(merged);
        result.putAll(explicit);
        return new YMap(result, at(node));
    }

    /** Adds the entries of a merge key's value; later calls override earlier ones, as later {@code <<} keys do. */
    private void mergeInto(Map<String, Entry> merged, Node value, String path) {
        if (value instanceof MappingNode m) {
            if (convert(m, path) instanceof YMap map) {
                merged.putAll(map.entries());
            }
        } else if (value instanceof SequenceNode s) {
            List<Node> maps = s.getValue();
            // earlier maps in the list win, so apply them last
            for (int i = maps.size() - 1; i >= 0; i--) {
                Node item = maps.get(i);
                if (item instanceof MappingNode m) {
                    if (convert(m, path) instanceof YMap map) {
                        merged.putAll(map.entries());
                    }
                } else {
                    diagnostics.error(at(item), path, "merge key '<<' needs a mapping or a list of mappings,"
                            + " found a non-mapping in the list");
                }
            }
        } else {
            diagnostics.error(at(value), path, "merge key '<<' needs a mapping (like *anchor) or a list of mappings");
        }
    }

    private void checkTag(Node node, Tag expected, String path) {
        if (!expected.equals(node.getTag())) {
            diagnostics.error(at(node), path, "unsupported YAML tag " + node.getTag()
                    + " (a recipe uses plain mappings, lists and scalars)");
        }
    }

    private YScalar scalar(ScalarNode node, String path) {
        String text = node.getValue();
        Tag tag = node.getTag();
        YamlLocation where = at(node);
        try {
            if (Tag.NULL.equals(tag)) {
                return new YScalar(Kind.NULL, null, text, where);
            } else if (Tag.BOOL.equals(tag)) {
                String t = text.toLowerCase(Locale.ROOT);
                return new YScalar(Kind.BOOL, t.equals("true") || t.equals("yes") || t.equals("on"), text, where);
            } else if (Tag.INT.equals(tag)) {
                return new YScalar(Kind.INT, parseInt(text), text, where);
            } else if (Tag.FLOAT.equals(tag)) {
                return new YScalar(Kind.FLOAT, parseFloat(text), text, where);
            } else if (Tag.STR.equals(tag) || Tag.TIMESTAMP.equals(tag)) {
                // a bare date stays the text the author wrote; nothing in a recipe is a timestamp
                return new YScalar(Kind.STRING, text, text, where);
            }
            diagnostics.error(where, path, "unsupported YAML tag " + tag
                    + " (a recipe uses plain mappings, lists and scalars)");
        } catch (NumberFormatException e) {
            diagnostics.error(where, path, "cannot read '" + text + "' as " + tag);
        }
        return new YScalar(Kind.STRING, text, text, where);
    }

    /** YAML 1.1 integers: underscores, 0b binary, 0x hex, leading-0 octal, base-60 {@code 1:30}. */
    static BigInteger parseInt(String text) {
        String t = text.replace("_", "");
        boolean negative = t.startsWith("-");
        if (t.startsWith("-") || t.startsWith("+")) {
            t = t.substring(1);
        }
        BigInteger v;
        if (t.contains(":")) {
            v = BigInteger.ZERO;
            for (String digit : t.split(":")) {
                v = v.multiply(BigInteger.valueOf(60)).add(new BigInteger(digit));
            }
        } else if (t.startsWith("0b")) {
            v = new BigInteger(t.substring(2), 2);
        } else if (t.startsWith("0x")) {
            v = new BigInteger(t.substring(2), 16);
        } else if (t.length() > 1 && t.startsWith("0")) {
            v = new BigInteger(t.substring(1), 8);
        } else {
            v = new BigInteger(t);
        }
        return negative ? v.negate() : v;
    }

    /** YAML 1.1 floats: underscores, {@code .inf}, {@code .nan}, base-60 {@code 1:30.5}. */
    static double parseFloat(String text) {
        String t = text.replace("_", "").toLowerCase(Locale.ROOT);
        boolean negative = t.startsWith("-");
        if (t.startsWith("-") || t.startsWith("+")) {
            t = t.substring(1);
        }
        double v;
        if (t.equals(".inf")) {
            v = Double.POSITIVE_INFINITY;
        } else if (t.equals(".nan")) {
            v = Double.NaN;
        } else if (t.contains(":")) {
            v = 0;
            for (String digit : t.split(":")) {
                v = v * 60 + Double.parseDouble(digit);
            }
        } else {
            v = Double.parseDouble(t);
        }
        return negative ? -v : v;
    }
}
