package dev.amalgam.merge;

/**
 * One parameter a merge method reads. {@code GLOBAL} parameters are resolved per output tensor (top level, module,
 * slice); {@code PER_MODEL} ones per input (model entry first, then the same fallbacks), as mergekit does
 * (compat.md §2.4).
 *
 * @param defaultValue a {@code Double}, {@code String} or null (no default)
 * @param required     when true and unset for some tensor, the recipe is rejected before any work starts
 * @param type         the kind of value the method reads; the planner rejects a recipe value of another kind
 *                     (e.g. {@code weight: abc}) before any work starts, naming the YAML path and line
 */
public record ParamSpec(String name, Scope scope, boolean required, Object defaultValue, Type type) {
    public enum Scope { GLOBAL, PER_MODEL }

    /** NUMBER: a number or boolean (booleans are 1.0/0.0, as in mergekit); TEXT: a string. */
    public enum Type { NUMBER, TEXT }

    /** The type follows the default: a string default makes a TEXT parameter, anything else a NUMBER. */
    public ParamSpec(String name, Scope scope, boolean required, Object defaultValue) {
        this(name, scope, required, defaultValue, defaultValue instanceof String ? Type.TEXT : Type.NUMBER);
    }

    public static ParamSpec global(String name, Object defaultValue) {
        return new ParamSpec(name, Scope.GLOBAL, false, normalize(defaultValue));
    }

    public static ParamSpec requiredGlobal(String name) {
        return new ParamSpec(name, Scope.GLOBAL, true, null);
    }

    public static ParamSpec perModel(String name, Object defaultValue) {
        return new ParamSpec(name, Scope.PER_MODEL, false, normalize(defaultValue));
    }

    public static ParamSpec requiredPerModel(String name) {
        return new ParamSpec(name, Scope.PER_MODEL, true, null);
    }

    private static Object normalize(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return v;
    }
}
