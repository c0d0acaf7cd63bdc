package dev.amalgam.merge;

/**
 * One parameter a merge method reads. {@code GLOBAL} parameters are resolved per output tensor (top level, module,
 * slice); {@code PER_MODEL} ones per input (model entry first, then the same fallbacks), as mergekit does
 * (compat.md §2.4).
 *
 * @param defaultValue a {@code Double}, {@code String} or null (no default); booleans are stored as 1.0/0.0
 * @param required     when true and unset for some tensor, the recipe is rejected before any work starts
 * @param flag         true for a boolean parameter (so listings can show its default as true/false)
 */
public record ParamSpec(String name, Scope scope, boolean required, Object defaultValue, boolean flag) {
    public enum Scope { GLOBAL, PER_MODEL }

    /** A non-boolean parameter. */
    public ParamSpec(String name, Scope scope, boolean required, Object defaultValue) {
        this(name, scope, required, defaultValue, false);
    }

    public static ParamSpec global(String name, Object defaultValue) {
        return new ParamSpec(name, Scope.GLOBAL, false, normalize(defaultValue), defaultValue instanceof Boolean);
    }

    public static ParamSpec requiredGlobal(String name) {
        return new ParamSpec(name, Scope.GLOBAL, true, null);
    }

    public static ParamSpec perModel(String name, Object defaultValue) {
        return new ParamSpec(name, Scope.PER_MODEL, false, normalize(defaultValue), defaultValue instanceof Boolean);
    }

    public static ParamSpec requiredPerModel(String name) {
        return new ParamSpec(name, Scope.PER_MODEL, true, null);
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
