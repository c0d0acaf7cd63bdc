package dev.amalgam.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code parameters:} block (top level, module, output slice, or model/source). Insertion order is kept so that
 * anything printed back (model card, plan) reads in the order the author wrote it.
 *
 * @param settings parameter name to setting; unmodifiable
 */
public record Parameters(Map<String, ParameterSetting> settings) {

    private static final Parameters EMPTY = new Parameters(Map.of());

    public Parameters {
        settings = settings == null || settings.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    public static Parameters empty() {
        return EMPTY;
    }

    /** The setting for {@code name}, or null when this block does not mention it. */
    public ParameterSetting get(String name) {
        return settings.get(name);
    }

    public boolean isEmpty() {
        return settings.isEmpty();
    }
}
