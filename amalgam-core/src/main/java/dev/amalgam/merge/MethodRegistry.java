package dev.amalgam.merge;

import dev.amalgam.error.ConfigException;
import dev.amalgam.merge.methods.LinearMerge;
import dev.amalgam.merge.methods.PassthroughMerge;
import dev.amalgam.merge.methods.CartMerge;
import dev.amalgam.merge.methods.IsoCMerge;
import dev.amalgam.merge.methods.IsoCtsMerge;
import dev.amalgam.merge.methods.MagMaxMerge;
import dev.amalgam.merge.methods.TsvMerge;
import dev.amalgam.util.Suggestions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** The merge methods a recipe may name, by {@code merge_method}. A plain map: no reflection, no service loading. */
public final class MethodRegistry {
    private static final Map<String, Supplier<MergeMethod>> METHODS = new LinkedHashMap<>();

    static {
        register("linear", LinearMerge::new);
        register("passthrough", PassthroughMerge::new);
        // subspace family (issue 6, spec methods.md §1.1-§1.4, §2.1)
        register("tsv_m", TsvMerge::new);
        register("iso_c", IsoCMerge::new);
        register("iso_cts", IsoCtsMerge::new);
        register("cart", CartMerge::new);
        register("magmax", MagMaxMerge::new);
    }

    /** mergekit methods not implemented yet; named so the error can say so instead of "unknown". */
    private static final java.util.List<String> PLANNED = java.util.List.of(
            "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties", "della",
            "della_linear", "sce", "ram", "ramplus_tl", "slerp", "nuslerp", "multislerp", "karcher", "model_stock",
            "nearswap", "arcee_fusion");

    private MethodRegistry() {
    }

    private static void register(String name, Supplier<MergeMethod> factory) {
        METHODS.put(name, factory);
    }

    public static java.util.Set<String> names() {
        return METHODS.keySet();
    }

    public static Optional<MergeMethod> find(String name) {
        Supplier<MergeMethod> f = METHODS.get(name);
        return f == null ? Optional.empty() : Optional.of(f.get());
    }

    /** The method, or a ConfigException that suggests the closest known name. */
    public static MergeMethod get(String name, String where) {
        return find(name).orElseThrow(() -> new ConfigException(unknownMessage(name, where)));
    }

    public static String unknownMessage(String name, String where) {
        if (PLANNED.contains(name)) {
            return where + "merge_method '" + name + "' is a mergekit method that this version of Amalgam does not"
                    + " implement yet. Available: " + String.join(", ", METHODS.keySet());
        }
        String best = Suggestions.closest(name, METHODS.keySet(), Math.max(2, name.length() / 3));
        String hint = best != null ? " Did you mean '" + best + "'?" : "";
        return where + "unknown merge_method '" + name + "'." + hint + " Available: "
                + String.join(", ", METHODS.keySet());
    }
}
