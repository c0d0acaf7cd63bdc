package dev.amalgam.config;

import java.util.List;

/**
 * One entry of {@code modules:} (multi-module architectures such as VLMs or encoder-decoders). Exactly one of
 * {@code slices} and {@code models} is non-null.
 */
public record OutputModuleDefinition(List<OutputSliceDefinition> slices, List<InputModelDefinition> models,
        Parameters parameters, String yamlPath, YamlLocation location) {

    public OutputModuleDefinition {
        slices = slices == null ? null : List.copyOf(slices);
        models = models == null ? null : List.copyOf(models);
        parameters = parameters == null ? Parameters.empty() : parameters;
    }
}
