package dev.amalgam.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The modern {@code tokenizer:} block. The per-token {@code tokens:} entries are kept as plain maps/lists/strings
 * because their interpretation belongs to the tokenizer builder, not to recipe parsing.
 *
 * @param source          "union", "base", or a model reference in its canonical string form
 * @param tokens          token string to raw settings; empty when absent
 * @param padToMultipleOf vocabulary padding; null when absent
 */
public record TokenizerConfig(String source, Map<String, Object> tokens, Integer padToMultipleOf,
        YamlLocation location) {

    public TokenizerConfig {
        source = source == null ? "union" : source;
        tokens = tokens == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
    }
}
