package dev.amalgam.config;

import java.util.Objects;

/**
 * One entry of a slice's {@code sources:}: a model and the half-open layer range {@code [layerStart, layerEnd)} taken
 * from it. {@code layer_range} is required by {@code mergekit-yaml} but optional in other tools (MoE, evolve), so
 * its absence is recorded rather than rejected: then {@code hasLayerRange} is false and both bounds are 0.
 */
public record InputSliceDefinition(ModelReference model, int layerStart, int layerEnd, boolean hasLayerRange,
        Parameters parameters, String yamlPath, YamlLocation location) {

    public InputSliceDefinition {
        Objects.requireNonNull(model, "model");
        parameters = parameters == null ? Parameters.empty() : parameters;
    }

    /** Number of layers this source contributes ({@code end − start}; 0 without a range). */
    public int layerCount() {
        return layerEnd - layerStart;
    }
}
