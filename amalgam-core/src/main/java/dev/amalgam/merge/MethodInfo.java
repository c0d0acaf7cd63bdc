package dev.amalgam.merge;

import java.util.List;
import java.util.Optional;

/**
 * What a merge method declares about itself, so recipes can be validated before any tensor is read and the
 * model card can name it.
 *
 * @param name         the {@code merge_method} value
 * @param prettyName   the name shown in the model card
 * @param referenceUrl paper or page for the model card link, or null
 * @param minInputs    fewest inputs per tensor, base included
 * @param maxInputs    most inputs per tensor, base included ({@code Integer.MAX_VALUE} for no limit)
 */
public record MethodInfo(String name, String prettyName, String referenceUrl, BaseModelUse baseModel,
                         List<ParamSpec> params, int minInputs, int maxInputs) {

    public Optional<ParamSpec> param(String name) {
        return params.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
