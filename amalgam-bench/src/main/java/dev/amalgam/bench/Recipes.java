package dev.amalgam.bench;

import java.nio.file.Path;

/** The recipes the end-to-end benchmark runs, as a user would write them (mergekit YAML). */
final class Recipes {
    private Recipes() {
    }

    /** The registered merge method a benchmark entry runs ("tsv_m-exact" runs tsv_m). */
    static String methodName(String entry) {
        return entry.endsWith("-exact") ? entry.substring(0, entry.length() - "-exact".length()) : entry;
    }

    static String of(String method, Path models) {
        String m0 = models.resolve("model-0").toString();
        String m1 = models.resolve("model-1").toString();
        String m2 = models.resolve("model-2").toString();
        return switch (method) {
            case "linear" -> """
                    merge_method: linear
                    dtype: bfloat16
                    models:
                      - model: %s
                        parameters: {weight: 0.2}
                      - model: %s
                        parameters: {weight: 0.3}
                      - model: %s
                        parameters: {weight: 0.5}
                    """.formatted(m0, m1, m2);
            case "ties", "dare_ties", "dare_linear", "task_arithmetic", "breadcrumbs_ties", "della" -> """
                    merge_method: %s
                    base_model: %s
                    dtype: bfloat16
                    parameters: {normalize: true}
                    models:
                      - model: %s
                        parameters: {density: 0.5, weight: 0.5}
                      - model: %s
                        parameters: {density: 0.5, weight: 0.5}
                    """.formatted(method, m0, m1, m2);
            case "slerp", "nearswap" -> """
                    merge_method: %s
                    base_model: %s
                    dtype: bfloat16
                    parameters: {t: 0.5}
                    models:
                      - model: %s
                      - model: %s
                    """.formatted(method, m0, m0, m1);
            // The subspace family (issue 6): base model-0, two task models. A "-exact" suffix forces exact SVDs
            // everywhere (exact_svd: true) instead of the randomized top-k step where it saves work.
            case "tsv_m", "iso_c", "iso_cts", "cart", "magmax", "tsv_m-exact", "iso_cts-exact", "cart-exact" -> """
                    merge_method: %s
                    base_model: %s
                    dtype: bfloat16
                    parameters: {lambda: 1.0%s}
                    models:
                      - model: %s
                      - model: %s
                    """.formatted(methodName(method), m0, method.endsWith("-exact") ? ", exact_svd: true" : "", m1, m2);
            default -> throw new IllegalArgumentException("no benchmark recipe for method '" + method + "'");
        };
    }
}
