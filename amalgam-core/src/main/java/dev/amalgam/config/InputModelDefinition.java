package dev.amalgam.config;

import java.util.Objects;

/**
 * One entry of a {@code models:} list: a whole model and its per-model parameters.
 *
 * @param yamlPath e.g. {@code models[1]}, for messages about this entry
 * @param location where the entry starts
 */
public record InputModelDefinition(ModelReference model, Parameters parameters, String yamlPath,
        YamlLocation location) {

    public InputModelDefinition {
        Objects.requireNonNull(model, "model");
        parameters = parameters == null ? Parameters.empty() : parameters;
    }
}
