package dev.amalgam.merge;

import java.util.Collections;
import java.util.Map;

/** The parameter values in force for one tensor (or one input of it), after precedence and defaults. */
public record ResolvedParams(Map<String, Object> values) {
    public static final ResolvedParams EMPTY = new ResolvedParams(Map.of());

    public ResolvedParams {
        values = Collections.unmodifiableMap(values);
    }

    public boolean has(String name) {
        return values.get(name) != null;
    }

    /** A numeric parameter; booleans are 1.0/0.0 as in mergekit. */
    public double number(String name) {
        Object v = values.get(name);
        if (v instanceof Double d) {
            return d;
        }
        throw new IllegalStateException("parameter " + name + " is not a number: " + v);
    }

    public double number(String name, double fallback) {
        return has(name) ? number(name) : fallback;
    }

    /** A boolean parameter: any non-zero number is true, like Python's {@code bool(float)}. */
    public boolean bool(String name) {
        return number(name) != 0.0;
    }
}
