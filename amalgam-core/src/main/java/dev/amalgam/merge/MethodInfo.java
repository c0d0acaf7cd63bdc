package dev.amalgam.merge;

import java.util.List;
import java.util.Optional;

/**
 * What a merge method declares about itself, so recipes can be validated before any tensor is read, the model
 * card can name it and {@code amalgam methods} can list it.
 *
 * @param name          the {@code merge_method} value
 * @param prettyName    the name shown in the model card
 * @param referenceUrl  paper or page for the model card link, or null
 * @param minInputs     fewest inputs per tensor, base included
 * @param maxInputs     most inputs per tensor, base included ({@code Integer.MAX_VALUE} for no limit)
 * @param rectification how embeddings of different vocabulary sizes are reconciled
 * @param random        true when the method draws random numbers (the seed is then reported to the user)
 * @param description   one line for {@code amalgam methods}, or null (the pretty name is shown then)
 */
public record MethodInfo(String name, String prettyName, String referenceUrl, BaseModelUse baseModel,
                         List<ParamSpec> params, int minInputs, int maxInputs, EmbedRectification rectification,
                         boolean random, String description) {

    /** Without a description. */
    public MethodInfo(String name, String prettyName, String referenceUrl, BaseModelUse baseModel,
                      List<ParamSpec> params, int minInputs, int maxInputs, EmbedRectification rectification,
                      boolean random) {
        this(name, prettyName, referenceUrl, baseModel, params, minInputs, maxInputs, rectification, random, null);
    }

    /** A deterministic method that truncates mismatched embeddings to their common sub-matrix. */
    public MethodInfo(String name, String prettyName, String referenceUrl, BaseModelUse baseModel,
                      List<ParamSpec> params, int minInputs, int maxInputs) {
        this(name, prettyName, referenceUrl, baseModel, params, minInputs, maxInputs,
                EmbedRectification.COMMON_SUBMATRIX, false);
    }

    /** This info with a one-line description for {@code amalgam methods}. */
    public MethodInfo withDescription(String oneLine) {
        return new MethodInfo(name, prettyName, referenceUrl, baseModel, params, minInputs, maxInputs, rectification,
                random, oneLine);
    }

    /** The description, or the pretty name when the method gave none. */
    public String summary() {
        return description != null ? description : prettyName;
    }

    public Optional<ParamSpec> param(String name) {
        return params.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
