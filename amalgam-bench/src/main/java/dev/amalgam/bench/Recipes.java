package dev.amalgam.bench;

import java.nio.file.Path;

/** The recipes the end-to-end benchmark runs, as a user would write them (mergekit YAML). */
final class Recipes {
    private Recipes() {
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
            default -> throw new IllegalArgumentException("no benchmark recipe for method '" + method + "'");
        };
    }
}
