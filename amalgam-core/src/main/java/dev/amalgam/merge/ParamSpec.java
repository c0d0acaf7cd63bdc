package dev.amalgam.merge;

/**
 * One parameter a merge method reads. {@code GLOBAL} parameters are resolved per output tensor (top level, module,
 * slice); {@code PER_MODEL} ones per input (model entry first, then the same fallbacks), as mergekit does
 * (compat.md §2.4).
 *
 * @param defaultValue a {@code Double}, {@code String} or null (no default)
 * @param required     when true and unset for some tensor, the recipe is rejected before any work starts
 */
public record ParamSpec(String name, Scope scope, boolean required, Object defaultValue) {
    public enum Scope { GLOBAL, PER_MODEL }

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
