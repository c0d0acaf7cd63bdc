package dev.amalgam.io.hub;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Makes sure a model card's YAML front matter (the metadata block the Hub reads for its model tree and search)
 * names the base models and carries the {@code merge} and {@code amalgam} tags. A card that already says all of
 * that is returned byte for byte; otherwise only the front matter is rewritten and the text below it is kept.
 */
public final class ModelCardMetadata {
    static final List<String> REQUIRED_TAGS = List.of("merge", "amalgam");

    private ModelCardMetadata() {
    }

    /**
     * The model card to upload for an output folder when README.md lacks something (or is missing): base models
     * come from the card itself and, when it names none, from the recipe copy {@code mergekit_config.yml}.
     * Empty when README.md is complete as it is. The folder is not modified.
     */
    public static java.util.Optional<byte[]> amendedCard(java.nio.file.Path folder, String repoId) {
        java.nio.file.Path readme = folder.resolve("README.md");
        String card;
        try {
            card = java.nio.file.Files.isRegularFile(readme) ? java.nio.file.Files.readString(readme) : null;
        } catch (java.io.IOException e) {
            throw new dev.amalgam.error.IoFailureException("cannot read " + readme + ": " + e.getMessage(), e);
        }
        List<String> bases = new ArrayList<>();
        if (card == null || !frontMatter(card).containsKey("base_model")) {
            bases.addAll(recipeModels(folder.resolve("mergekit_config.yml")));
        }
        if (card == null) {
            String name = repoId.substring(repoId.indexOf('/') + 1);
            card = "# " + name + "\n\nThis model was merged with Amalgam.\n";
        }
        String amended = ensure(card, bases);
        return amended.equals(card) && java.nio.file.Files.isRegularFile(readme) ? java.util.Optional.empty()
                : java.util.Optional.of(amended.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Hub ids a recipe names (model and base_model values anywhere), without revisions or adapters. */
    static List<String> recipeModels(java.nio.file.Path recipe) {
        List<String> out = new ArrayList<>();
        if (!java.nio.file.Files.isRegularFile(recipe)) {
            return out;
        }
        try {
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(java.nio.file.Files.readString(recipe));
            collectModels(root, out);
        } catch (Exception e) {
            return out;
        }
        return out;
    }

    private static void collectModels(Object node, List<String> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if ((key.equals("model") || key.equals("base_model")) && e.getValue() instanceof String s) {
                    String id = s.split("\\+", 2)[0].split("@", 2)[0];
                    if (dev.amalgam.io.model.HfCache.looksLikeRepoId(id) && id.contains("/") && !out.contains(id)) {
                        out.add(id);
                    }
                } else {
                    collectModels(e.getValue(), out);
                }
            }
        } else if (node instanceof List<?> l) {
            l.forEach(x -> collectModels(x, out));
        }
    }

    private static Map<String, Object> frontMatter(String card) {
        Map<String, Object> meta = new LinkedHashMap<>();
        String normalized = card.replace("\r\n", "\n");
        if (normalized.startsWith("---\n")) {
            int end = normalized.indexOf("\n---", 3);
            if (end >= 0) {
                Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(normalized.substring(4, end + 1));
                if (loaded instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> meta.put(String.valueOf(k), v));
                }
            }
        }
        return meta;
    }

    /** The card with complete front matter; {@code card} itself when nothing was missing. */
    public static String ensure(String card, List<String> baseModels) {
        String body = card;
        Map<String, Object> meta = new LinkedHashMap<>();
        String normalized = card.replace("\r\n", "\n");
        if (normalized.startsWith("---\n")) {
            int end = normalized.indexOf("\n---", 3);
            if (end >= 0) {
                int after = normalized.indexOf('\n', end + 4);
                String yaml = normalized.substring(4, end + 1);
                Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
                if (loaded instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> meta.put(String.valueOf(k), v));
                    body = after < 0 ? "" : normalized.substring(after + 1);
                }
            }
        }
        boolean changed = false;
        List<Object> tags = asList(meta.get("tags"));
        for (String t : REQUIRED_TAGS) {
            if (!tags.contains(t)) {
                tags.add(t);
                changed = true;
            }
        }
        List<Object> bases = asList(meta.get("base_model"));
        for (String b : baseModels) {
            if (!bases.contains(b)) {
                bases.add(b);
                changed = true;
            }
        }
        if (!changed) {
            return card;
        }
        if (!bases.isEmpty()) {
            meta.put("base_model", bases);
        }
        meta.put("tags", tags);
        DumperOptions opts = new DumperOptions();
        opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        opts.setIndicatorIndent(0);
        String yaml = new Yaml(new Representer(opts), opts).dump(meta);
        return "---\n" + yaml + "---\n" + body;
    }

    private static List<Object> asList(Object v) {
        List<Object> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            out.addAll(l);
        } else if (v != null) {
            out.add(v);
        }
        return out;
    }
}
