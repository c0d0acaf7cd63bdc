package dev.amalgam.plan;

import dev.amalgam.config.InputSliceDefinition;
import dev.amalgam.config.OutputSliceDefinition;
import java.util.List;

/**
 * An output slice after normalisation (compat.md §2.3): {@code models:} recipes become one slice over all
 * layers; the base model is appended as a source when it is not listed.
 *
 * @param sources   the sources in recipe order, each with its layer range
 * @param baseModel the slice's base model (slice-level, else top-level), or null
 * @param definition the slice as written, or null for a normalised {@code models:} recipe
 */
record SourceSlice(List<Source> sources, LoadedModel baseModel, OutputSliceDefinition definition) {

    /** {@code location} is where the entry starts in the recipe (null for an appended base model). */
    record Source(LoadedModel model, int start, int end, dev.amalgam.config.Parameters parameters,
                  String yamlPath, InputSliceDefinition definition, dev.amalgam.config.YamlLocation location) {
        int length() {
            return end - start;
        }
    }

    int length() {
        return sources.get(0).length();
    }
}
