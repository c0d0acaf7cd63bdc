package dev.amalgam.config;

import java.util.Objects;

/**
 * A single value: a number (booleans are stored as 1.0/0.0, matching pydantic's float validation that makes
 * {@code normalize: true} work in mergekit) or a string.
 *
 * @param value a {@code Double} or a {@code String}
 */
public record ScalarSetting(Object value, String yamlPath, YamlLocation location) implements ParameterSetting {

    public ScalarSetting {
        Objects.requireNonNull(value, "value");
        if (!(value instanceof Double || value instanceof String)) {
            throw new IllegalArgumentException("a scalar setting is a Double or a String, got " + value.getClass());
        }
    }

    /** A setting made in code (tests, CLI overrides); numbers are widened to double. */
    public static ScalarSetting of(Object value) {
        Object v = switch (value) {
            case Boolean b -> b ? 1.0 : 0.0;
            case Number n -> n.doubleValue();
            default -> value;
        };
        return new ScalarSetting(v, null, null);
    }

    @Override
    public Object evaluate(String tensorName, double t) {
        return value;
    }
}
