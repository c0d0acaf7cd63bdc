package dev.amalgam.config;

/**
 * Resolves a parameter across the four places a recipe may set it, with mergekit's precedence (compat.md §2.4,
 * {@code ConfigReader.parameter}): source/model level, then output slice, then module, then top level. The first level
 * whose setting evaluates to a non-null value wins; a conditional list that matches nothing falls through to the next
 * level, which is how {@code [{filter: mlp, value: 0.5}]} at model level combines with a top-level default.
 */
public final class ParameterLookup {

    private ParameterLookup() {
    }

    /**
     * @param name       parameter name, e.g. {@code weight}
     * @param modelLevel parameters of the source/model (pass null for global parameters such as {@code t},
     *                   {@code normalize}: mergekit never reads those from a model entry)
     * @param tensorName tensor name the filters are matched against (may be null: then only unfiltered entries match)
     * @param t          relative layer position in [0, 1]
     * @return a {@code Double}, a {@code String}, or null when no level sets it
     */
    public static Object lookup(String name, Parameters modelLevel, Parameters sliceLevel, Parameters moduleLevel,
            Parameters topLevel, String tensorName, double t) {
        ParameterSetting s = setting(name, modelLevel, sliceLevel, moduleLevel, topLevel, tensorName, t);
        return s == null ? null : s.evaluate(tensorName, t);
    }

    /**
     * The setting that {@link #lookup} takes its value from, or null: lets an error about the value (a string where a
     * number is needed) point at the YAML path and line it came from.
     */
    public static ParameterSetting setting(String name, Parameters modelLevel, Parameters sliceLevel,
            Parameters moduleLevel, Parameters topLevel, String tensorName, double t) {
        for (Parameters level : new Parameters[] {modelLevel, sliceLevel, moduleLevel, topLevel}) {
            if (level == null) {
                continue;
            }
            ParameterSetting setting = level.get(name);
            if (setting == null) {
                continue;
            }
            if (setting.evaluate(tensorName, t) != null) {
                return setting;
            }
        }
        return null;
    }
}
