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

    /** The subspace family's benchmark entries; they merge three task models onto a base. */
    private static boolean isSubspace(String entry) {
        return switch (methodName(entry)) {
            case "tsv_m", "iso_c", "iso_cts", "cart", "magmax" -> true;
            default -> false;
        };
    }

    /** How many of the generated models (model-0, model-1, ...) the entry's recipe reads. */
    static int inputCount(String entry) {
        if (entry.equals("slerp") || entry.equals("nearswap")) {
            return 2;
        }
        return isSubspace(entry) ? 4 : 3;
    }

    static String of(String method, Path models) {
        String m0 = models.resolve("model-0").toString();
        String m1 = models.resolve("model-1").toString();
        String m2 = models.resolve("model-2").toString();
        String m3 = models.resolve("model-3").toString();
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
            // The subspace family (issue 6): base model-0, three task models (T = 3, so TSV-M's per-task rank is
            // r/3 and the randomized top-k step saves work). A "-exact" suffix forces exact SVDs everywhere
            // (exact_svd: true) instead of the randomized top-k step.
            case "tsv_m", "iso_c", "iso_cts", "cart", "magmax", "tsv_m-exact", "iso_cts-exact", "cart-exact" -> """
                    merge_method: %s
                    base_model: %s
                    dtype: bfloat16
                    parameters: {lambda: 1.0%s}
                    models:
                      - model: %s
                      - model: %s
                      - model: %s
                    """.formatted(methodName(method), m0, method.endsWith("-exact") ? ", exact_svd: true" : "", m1, m2,
                    m3);
            default -> throw new IllegalArgumentException("no benchmark recipe for method '" + method + "'");
        };
    }
}
