package dev.amalgam.merge;

import dev.amalgam.error.ConfigException;
import dev.amalgam.merge.methods.LinearMerge;
import dev.amalgam.merge.methods.PassthroughMerge;
import java.util.Comparator;
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
        String best = METHODS.keySet().stream()
                .min(Comparator.comparingInt(k -> editDistance(k, name))).orElse(null);
        String hint = best != null && editDistance(best, name) <= Math.max(2, name.length() / 3)
                ? " Did you mean '" + best + "'?" : "";
        return where + "unknown merge_method '" + name + "'." + hint + " Available: "
                + String.join(", ", METHODS.keySet());
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
