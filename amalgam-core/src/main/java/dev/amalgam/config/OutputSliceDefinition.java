package dev.amalgam.config;

import java.util.List;

/**
 * One entry of {@code slices:}: sources merged layer by layer into consecutive output layers.
 *
 * @param baseModel per-slice base, overriding the top-level one; null when absent
 */
public record OutputSliceDefinition(List<InputSliceDefinition> sources, ModelReference baseModel,
        Parameters parameters, String yamlPath, YamlLocation location) {

    public OutputSliceDefinition {
        sources = List.copyOf(sources);
        parameters = parameters == null ? Parameters.empty() : parameters;
    }
}
