package dev.amalgam.merge;

/** How a merge method treats {@code base_model} (compat.md §1.1, "base model" column). */
public enum BaseModelUse {
    /** The method needs a base model (task vectors are taken against it). */
    REQUIRED,
    /** The method uses a base model when one is given. */
    OPTIONAL,
    /** The method has no notion of a base: a given base is merged as one more input (linear, karcher). */
    AS_INPUT
}
