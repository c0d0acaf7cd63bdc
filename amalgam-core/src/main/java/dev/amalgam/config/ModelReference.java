package dev.amalgam.config;

import java.util.Objects;

/**
 * A model named in a recipe: a local directory or Hugging Face repo id, an optional revision, an optional LoRA adapter
 * to apply first, and an optional architecture override (compat.md §2.2). Value equality matters: the merge code keys
 * inputs by reference, so a model listed twice collapses into one input exactly as in mergekit.
 *
 * @param path                 local path or repo id (never empty)
 * @param revision             branch, tag or commit; null for the default
 * @param lora                 adapter applied before merging (itself without lora/override); null when none
 * @param overrideArchitecture replaces {@code config.architectures}; only settable in the dict form; null when none
 */
public record ModelReference(String path, String revision, ModelReference lora, String overrideArchitecture) {

    public ModelReference {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("model path is empty");
        }
        if (lora != null && (lora.lora() != null || lora.overrideArchitecture() != null)) {
            throw new IllegalArgumentException("a LoRA reference cannot itself have a LoRA or an architecture override");
        }
    }

    /** A plain path or repo id, no revision. */
    public static ModelReference of(String path) {
        return new ModelReference(path, null, null, null);
    }

    /**
     * Parses mergekit's string form {@code path_or_repo[@revision][+lora_path_or_repo[@revision]]}: split on {@code +}
     * first, then each part on {@code @}. Paths that contain {@code +} or {@code @} therefore cannot be written this way
     * (use the dict form).
     *
     * @throws IllegalArgumentException with a message naming the problem
     */
    public static ModelReference parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] parts = text.split("\\+", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("invalid model reference '" + text + "': more than one '+' (the form is"
                    + " path[@revision][+lora[@revision]]; use the dict form for paths containing '+')");
        }
        ModelReference model = parsePath(parts[0], text, parts.length == 2 ? "model part" : "model");
        if (parts.length == 1) {
            return model;
        }
        ModelReference lora = parsePath(parts[1], text, "LoRA part");
        return new ModelReference(model.path(), model.revision(), lora, null);
    }

    /**
     * Parses one {@code path[@revision]} part (mergekit's {@code ModelPath}); a {@code +} is kept literally here,
     * which is what the dict form's {@code model:}/{@code lora:} strings do in mergekit.
     */
    public static ModelReference parsePath(String part, String whole, String what) {
        String[] pieces = part.split("@", -1);
        if (pieces.length > 2) {
            throw new IllegalArgumentException("invalid model reference '" + whole + "': more than one '@' in the "
                    + what + " (the form is path[@revision]; use the dict form for paths containing '@')");
        }
        if (pieces[0].isBlank()) {
            throw new IllegalArgumentException("invalid model reference '" + whole + "': the " + what
                    + " has an empty path");
        }
        if (pieces.length == 2 && pieces[1].isBlank()) {
            throw new IllegalArgumentException("invalid model reference '" + whole + "': empty revision after '@' in"
                    + " the " + what);
        }
        return new ModelReference(pieces[0], pieces.length == 2 ? pieces[1] : null, null, null);
    }

    public boolean hasLora() {
        return lora != null;
    }

    /** The same model without its adapter (what the LoRA is applied to). */
    public ModelReference withoutLora() {
        return new ModelReference(path, revision, null, overrideArchitecture);
    }

    /**
     * The canonical string form {@code path[@revision][+lora[@revision]]}, as mergekit's {@code str()} prints it.
     * Like mergekit's, it does not show {@code overrideArchitecture}, which has no string syntax.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(path);
        if (revision != null) {
            sb.append('@').append(revision);
        }
        if (lora != null) {
            sb.append('+').append(lora);
        }
        return sb.toString();
    }
}
