package dev.amalgam.config;

/**
 * The value of one parameter in a recipe, exactly the shapes mergekit accepts (compat.md §2.4): a scalar, a gradient
 * (list of numbers interpolated over the layers of a slice), a step list (list of strings picked by layer position),
 * or a conditional list whose first entry with a matching tensor-name filter applies.
 *
 * <p>Settings are kept unevaluated because the same recipe value yields different numbers per tensor and per layer;
 * the planner evaluates them once per tensor with {@link #evaluate}.
 */
public sealed interface ParameterSetting
        permits ScalarSetting, GradientSetting, StepListSetting, ConditionalListSetting {

    /**
     * The value for one tensor at relative layer position {@code t}.
     *
     * @param tensorName name the conditional filters are matched against (null or empty: only unfiltered entries and
     *                   {@code "*"} match, as in mergekit)
     * @param t          relative position of the layer inside its slice, in [0, 1]
     * @return a {@code Double} (numbers; booleans are 1.0/0.0), a {@code String}, or null when a conditional list has
     *         no matching entry ("unset": the caller falls through to the next precedence level)
     */
    Object evaluate(String tensorName, double t);

    /** Where the setting's value starts in the recipe (null for settings built in code). */
    YamlLocation location();

    /** Path of the setting in the recipe, e.g. {@code models[1].parameters.weight} (null for settings built in code). */
    String yamlPath();

    /** Rejects positions outside [0, 1], which would index past the ends of a gradient. */
    static void checkPosition(double t) {
        if (!(t >= 0.0 && t <= 1.0)) {
            throw new IllegalArgumentException("layer position t must be in [0, 1], got " + t);
        }
    }
}
