package dev.amalgam.config;

import java.util.List;

/**
 * A list of strings: no interpolation is possible, so mergekit picks {@code v[floor(t·(n−1))]}, i.e. each entry
 * covers an equal share of the slice and the last one only the final layer.
 *
 * @param values the entries (at least one)
 */
public record StepListSetting(List<String> values, String yamlPath, YamlLocation location) implements ParameterSetting {

    public StepListSetting {
        values = List.copyOf(values);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a step list needs at least one value");
        }
    }

    @Override
    public Object evaluate(String tensorName, double t) {
        ParameterSetting.checkPosition(t);
        int last = values.size() - 1;
        return values.get(Math.min(last, (int) Math.floor(t * last)));
    }
}
