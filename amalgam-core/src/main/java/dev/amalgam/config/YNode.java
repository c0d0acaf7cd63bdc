package dev.amalgam.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The recipe as a small located tree, after YAML 1.1 type resolution, alias expansion and merge-key flattening.
 * The parser works on this rather than on SnakeYAML nodes so that merge keys ({@code <<}) and duplicate keys are
 * handled once, in {@link YamlLoader}, and every value still knows its line and column.
 */
sealed interface YNode permits YNode.YScalar, YNode.YSeq, YNode.YMap {

    YamlLocation location();

    /** Type name for "expected X, found Y" messages. */
    String describe();

    /** The YAML 1.1 type a plain scalar resolved to (PyYAML's rules: {@code yes}/{@code on} are booleans). */
    enum Kind { NULL, BOOL, INT, FLOAT, STRING }

    /**
     * @param value null, {@code Boolean}, {@code BigInteger}, {@code Double} or {@code String}, by kind
     * @param text  the scalar exactly as written (used where the author obviously meant a literal, e.g. a revision)
     */
    record YScalar(Kind kind, Object value, String text, YamlLocation location) implements YNode {

        boolean isNull() {
            return kind == Kind.NULL;
        }

        boolean isNumeric() {
            return kind == Kind.INT || kind == Kind.FLOAT || kind == Kind.BOOL;
        }

        /** The number mergekit's pydantic float validation would produce (booleans are 1.0/0.0). */
        double asDouble() {
            return switch (value) {
                case Boolean b -> b ? 1.0 : 0.0;
                case BigInteger i -> i.doubleValue();
                case Double x -> x;
                default -> throw new IllegalStateException("not numeric: " + text);
            };
        }

        @Override
        public String describe() {
            return switch (kind) {
                case NULL -> "nothing (null)";
                case BOOL -> "the boolean " + text;
                case INT, FLOAT -> "the number " + text;
                case STRING -> "the string '" + text + "'";
            };
        }

        /** Plain Java value: null, Boolean, Long (or BigInteger when too large), Double or String. */
        Object toPlain() {
            if (value instanceof BigInteger i && i.bitLength() < 64) {
                return i.longValue();
            }
            return value;
        }
    }

    record YSeq(List<YNode> items, YamlLocation location) implements YNode {
        public YSeq {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** One key of a mapping; {@code keyLocation} is where unknown-key warnings point. */
    record Entry(String key, YamlLocation keyLocation, YNode value) {
    }

    record YMap(Map<String, Entry> entries, YamlLocation location) implements YNode {
        public YMap {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        /** The value under {@code key}, or null when absent. */
        YNode get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** Plain Java maps/lists/scalars, for parts of the recipe kept raw (tokenizer {@code tokens:}). */
    static Object toPlain(YNode node) {
        return switch (node) {
            case YScalar s -> s.toPlain();
            case YSeq s -> s.items().stream().map(YNode::toPlain).toList();
            case YMap m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.entries().forEach((k, e) -> out.put(k, toPlain(e.value())));
                yield out;
            }
        };
    }
}
