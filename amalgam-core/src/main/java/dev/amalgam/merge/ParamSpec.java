package dev.amalgam.merge;

/**
 * One parameter a merge method reads. {@code GLOBAL} parameters are resolved per output tensor (top level, module,
 * slice); {@code PER_MODEL} ones per input (model entry first, then the same fallbacks), as mergekit does
 * (compat.md §2.4).
 *
 * @param defaultValue a {@code Double}, {@code String} or null (no default); booleans are stored as 1.0/0.0
 * @param required     when true and unset for some tensor, the recipe is rejected before any work starts
 * @param type         the kind of value the method reads; the planner rejects a recipe value of another kind
 *                     (e.g. {@code weight: abc}) before any work starts, naming the YAML path and line
 * @param flag         true for a boolean parameter (so listings can show its default as true/false)
 */
public record ParamSpec(String name, Scope scope, boolean required, Object defaultValue, Type type, boolean flag) {
    public enum Scope { GLOBAL, PER_MODEL }

    /** NUMBER: a number or boolean (booleans are 1.0/0.0, as in mergekit); TEXT: a string (a path, a mode). */
    public enum Type { NUMBER, TEXT }

    /** A non-boolean parameter whose type follows the default: a string default makes it TEXT, else NUMBER. */
    public ParamSpec(String name, Scope scope, boolean required, Object defaultValue) {
        this(name, scope, required, defaultValue, defaultValue instanceof String ? Type.TEXT : Type.NUMBER, false);
    }

    public static ParamSpec global(String name, Object defaultValue) {
        return of(name, Scope.GLOBAL, defaultValue);
    }

    public static ParamSpec requiredGlobal(String name) {
        return new ParamSpec(name, Scope.GLOBAL, true, null);
    }

    public static ParamSpec perModel(String name, Object defaultValue) {
        return of(name, Scope.PER_MODEL, defaultValue);
    }

    public static ParamSpec requiredPerModel(String name) {
        return new ParamSpec(name, Scope.PER_MODEL, true, null);
    }

    /** An optional string parameter without a default (a side-input path, for instance). */
    public static ParamSpec globalText(String name) {
        return new ParamSpec(name, Scope.GLOBAL, false, null, Type.TEXT, false);
    }

    /** A string parameter every input must have (a per-model side-input path such as {@code fisher: PATH}). */
    public static ParamSpec requiredPerModelText(String name) {
        return new ParamSpec(name, Scope.PER_MODEL, true, null, Type.TEXT, false);
    }

    /** An optional per-model string parameter without a default. */
    public static ParamSpec perModelText(String name) {
        return new ParamSpec(name, Scope.PER_MODEL, false, null, Type.TEXT, false);
    }

    private static ParamSpec of(String name, Scope scope, Object defaultValue) {
        Type type = defaultValue instanceof String ? Type.TEXT : Type.NUMBER;
        return new ParamSpec(name, scope, false, normalize(defaultValue), type, defaultValue instanceof Boolean);
    }

    /** The default as a recipe would write it: {@code true}, {@code 0.15}, {@code 1}; null without one. */
    public String defaultText() {
        if (defaultValue == null) {
            return null;
        }
        if (flag && defaultValue instanceof Double d) {
            return d != 0.0 ? "true" : "false";
        }
        if (defaultValue instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return String.valueOf(d.longValue());
        }
        return String.valueOf(defaultValue);
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
