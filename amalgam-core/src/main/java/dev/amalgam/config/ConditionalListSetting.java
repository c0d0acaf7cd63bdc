package dev.amalgam.config;

import java.util.List;

/**
 * A list of {@link ConditionalParameter}s: the first entry whose filter matches the tensor name decides; when none
 * matches the setting is "unset" (null) and parameter lookup falls through to the next precedence level.
 *
 * @param entries in recipe order
 */
public record ConditionalListSetting(List<ConditionalParameter> entries, String yamlPath, YamlLocation location)
        implements ParameterSetting {

    public ConditionalListSetting {
        entries = List.copyOf(entries);
    }

    @Override
    public Object evaluate(String tensorName, double t) {
        for (ConditionalParameter entry : entries) {
            if (entry.matches(tensorName)) {
                return entry.value().evaluate(tensorName, t);
            }
        }
        return null;
    }
}
