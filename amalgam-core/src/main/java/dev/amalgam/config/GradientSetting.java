package dev.amalgam.config;

import java.util.List;

/**
 * A list of numbers interpolated piecewise-linearly over the layers of a slice, anchors evenly spaced (mergekit
 * {@code evaluate_setting}): {@code s = t·(n−1)}, {@code i0 = floor(s)}, {@code i1 = min(n−1, i0+1)},
 * {@code f = s − i0}, value {@code (1−f)·v[i0] + f·v[i1]}, all in double precision like Python floats.
 *
 * @param values the anchors (at least one)
 */
public record GradientSetting(List<Double> values, String yamlPath, YamlLocation location) implements ParameterSetting {

    public GradientSetting {
        values = List.copyOf(values);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a gradient needs at least one value");
        }
    }

    public static GradientSetting of(double... values) {
        return new GradientSetting(java.util.Arrays.stream(values).boxed().toList(), null, null);
    }

    @Override
    public Object evaluate(String tensorName, double t) {
        ParameterSetting.checkPosition(t);
        int last = values.size() - 1;
        double s = t * last;
        int i0 = Math.min(last, (int) Math.floor(s));
        int i1 = Math.min(last, i0 + 1);
        double f = s - i0;
        return (1.0 - f) * values.get(i0) + f * values.get(i1);
    }
}
