package dev.amalgam.config;

import dev.amalgam.config.YNode.Kind;
import dev.amalgam.config.YNode.YMap;
import dev.amalgam.config.YNode.YScalar;
import dev.amalgam.config.YNode.YSeq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code parameters:} blocks into {@link ParameterSetting}s, accepting exactly mergekit's shapes
 * ({@code Union[ConditionalParameter, List[ConditionalParameter], float, str, List[float], List[str]]}).
 *
 * <p>Deviation: a bare {@code {filter: x, value: y}} mapping (not in a list) passes mergekit's validation and then
 * crashes with "Unexpected setting value"; we read it as a one-entry conditional list and warn.
 */
final class ParameterReader {

    private static final Set<String> CONDITIONAL_KEYS = Set.of("filter", "value");

    private ParameterReader() {
    }

    /** An absent or empty block is {@link Parameters#empty()}; broken settings are reported and left out. */
    static Parameters read(YNode node, String path, Diagnostics d) {
        if (Nodes.isAbsent(node)) {
            return Parameters.empty();
        }
        YMap map = Nodes.map(node, path, "a mapping of parameter names to values", d);
        if (map == null) {
            return Parameters.empty();
        }
        Map<String, ParameterSetting> settings = new LinkedHashMap<>();
        map.entries().forEach((name, entry) -> {
            ParameterSetting s = setting(entry.value(), YamlPaths.key(path, name), d);
            if (s != null) {
                settings.put(name, s);
            }
        });
        return new Parameters(settings);
    }

    static ParameterSetting setting(YNode node, String path, Diagnostics d) {
        return switch (node) {
            case YScalar s -> scalar(s, path, d);
            case YSeq s -> list(s, path, d, true);
            case YMap m -> {
                ConditionalParameter c = conditional(m, path, d);
                if (c == null) {
                    yield null;
                }
                d.warn(m.location(), path, "a single {filter, value} mapping is not a list; read as a one-entry"
                        + " conditional list (mergekit accepts it but then fails with 'Unexpected setting value');"
                        + " write it as '- filter: ...' to be compatible");
                yield new ConditionalListSetting(List.of(c), path, m.location());
            }
        };
    }

    private static ParameterSetting scalar(YScalar s, String path, Diagnostics d) {
        if (s.isNull()) {
            d.error(s.location(), path, "parameter has no value; expected a number, a string, a list of numbers"
                    + " (gradient) or a list of {filter, value} entries");
            return null;
        }
        if (s.kind() == Kind.STRING) {
            return new ScalarSetting(s.text(), path, s.location());
        }
        return new ScalarSetting(s.asDouble(), path, s.location());
    }

    /**
     * A list is a gradient (all numbers), a step list (all strings) or, when {@code allowConditional}, a
     * conditional list (all mappings); anything mixed is refused as pydantic refuses it.
     */
    private static ParameterSetting list(YSeq seq, String path, Diagnostics d, boolean allowConditional) {
        List<YNode> items = seq.items();
        if (items.isEmpty()) {
            d.error(seq.location(), path, "empty list; a gradient or conditional list needs at least one entry");
            return null;
        }
        boolean anyMap = items.stream().anyMatch(n -> n instanceof YMap);
        if (anyMap && allowConditional) {
            return conditionalList(seq, path, d);
        }
        List<Double> numbers = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            YNode item = items.get(i);
            String itemPath = YamlPaths.index(path, i);
            if (item instanceof YScalar s && s.isNumeric()) {
                numbers.add(s.asDouble());
            } else if (item instanceof YScalar s && s.kind() == Kind.STRING) {
                strings.add(s.text());
            } else {
                String allowed = allowConditional
                        ? "a number, a string or a {filter, value} mapping"
                        : "a number or a string (conditional lists cannot be nested inside 'value')";
                d.error(item.location(), itemPath, "list entry must be " + allowed + ", found " + item.describe());
                return null;
            }
        }
        if (!numbers.isEmpty() && !strings.isEmpty()) {
            d.error(seq.location(), path, "a list must hold only numbers (a gradient) or only strings (a step list),"
                    + " not both");
            return null;
        }
        return strings.isEmpty()
                ? new GradientSetting(numbers, path, seq.location())
                : new StepListSetting(strings, path, seq.location());
    }

    private static ParameterSetting conditionalList(YSeq seq, String path, Diagnostics d) {
        List<ConditionalParameter> entries = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < seq.items().size(); i++) {
            YNode item = seq.items().get(i);
            String itemPath = YamlPaths.index(path, i);
            if (!(item instanceof YMap m)) {
                d.error(item.location(), itemPath, "a conditional list holds only {filter, value} mappings, found "
                        + item.describe() + "; write it as '- value: ...'");
                ok = false;
                continue;
            }
            ConditionalParameter c = conditional(m, itemPath, d);
            if (c == null) {
                ok = false;
            } else {
                entries.add(c);
            }
        }
        return ok ? new ConditionalListSetting(entries, path, seq.location()) : null;
    }

    private static ConditionalParameter conditional(YMap m, String path, Diagnostics d) {
        Nodes.checkKeys(m, path, CONDITIONAL_KEYS, Set.of(), d);
        YNode valueNode = m.get("value");
        if (valueNode == null) {
            d.error(m.location(), path, "missing 'value': a conditional parameter is {filter: <substring of tensor"
                    + " name>, value: <number or list>}");
            return null;
        }
        String valuePath = YamlPaths.key(path, "value");
        ParameterSetting value = switch (valueNode) {
            case YScalar s -> scalar(s, valuePath, d);
            case YSeq s -> list(s, valuePath, d, false);
            case YMap x -> {
                d.error(x.location(), valuePath, "'value' must be a number, a string or a list of them, found a"
                        + " mapping");
                yield null;
            }
        };
        YNode filterNode = m.get("filter");
        String filter = null;
        boolean filterOk = true;
        if (!Nodes.isAbsent(filterNode)) {
            filter = Nodes.literal(filterNode, YamlPaths.key(path, "filter"), "a tensor-name substring", d);
            filterOk = filter != null;
        }
        return value == null || !filterOk ? null : new ConditionalParameter(filter, value);
    }
}
