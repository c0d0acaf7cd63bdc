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
