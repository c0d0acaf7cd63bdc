package dev.amalgam.lora.combine;

import dev.amalgam.error.ConfigException;
import dev.amalgam.util.Suggestions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * PEFT's {@code add_weighted_adapter} combination types, by the names PEFT uses (methods.md §1.6). Each is a
 * per-tensor primitive of {@code merge_utils} plus whether the result is brought back to low rank by an SVD.
 */
public enum CombinationType {
    LINEAR(Primitive.TASK_ARITHMETIC, false),
    CAT(Primitive.TASK_ARITHMETIC, false),
    SVD(Primitive.TASK_ARITHMETIC, true),
    TIES(Primitive.TIES, false),
    TIES_SVD(Primitive.TIES, true),
    DARE_LINEAR(Primitive.DARE_LINEAR, false),
    DARE_TIES(Primitive.DARE_TIES, false),
    DARE_LINEAR_SVD(Primitive.DARE_LINEAR, true),
    DARE_TIES_SVD(Primitive.DARE_TIES, true),
    MAGNITUDE_PRUNE(Primitive.MAGNITUDE_PRUNE, false),
    MAGNITUDE_PRUNE_SVD(Primitive.MAGNITUDE_PRUNE, true);

    /** The {@code merge_utils} combination applied to a stack of tensors. */
    public enum Primitive {
        TASK_ARITHMETIC, TIES, DARE_LINEAR, DARE_TIES, MAGNITUDE_PRUNE;

        /** Whether the primitive uses {@code density}. */
        public boolean usesDensity() {
            return this != TASK_ARITHMETIC;
        }

        /** Whether the primitive elects signs (and so uses the majority-sign method). */
        public boolean electsSign() {
            return this == TIES || this == DARE_TIES;
        }
    }

    private final Primitive primitive;
    private final boolean svd;

    CombinationType(Primitive primitive, boolean svd) {
        this.primitive = primitive;
        this.svd = svd;
    }

    public Primitive primitive() {
        return primitive;
    }

    /** True for the {@code svd} and {@code *_svd} types, which PEFT computes on dense deltas followed by an SVD. */
    public boolean svd() {
        return svd;
    }

    public String peftName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(CombinationType::peftName).toList();
    }

    public static CombinationType byName(String name) {
        for (CombinationType t : values()) {
            if (t.peftName().equals(name)) {
                return t;
            }
        }
        String close = Suggestions.closest(name, names(), 3);
        throw new ConfigException("unknown combination type '" + name + "'" + (close == null ? "" : "; did you mean '"
                + close + "'?") + " (one of " + String.join(", ", names()) + ")");
    }
}
