package dev.amalgam.output;

import dev.amalgam.merge.MethodInfo;
import dev.amalgam.plan.LoadedModel;
import dev.amalgam.plan.MergePlan;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code README.md} model card, with the structure mergekit writes (compat.md §3.8) so Hub tooling that
 * reads merge cards keeps working: YAML front matter (base models that come from the Hub, library, tags), the
 * method with its paper link, the merged models, and the verbatim recipe.
 */
public final class ModelCard {
    private ModelCard() {
    }

    public static String render(MergePlan plan, String outputName) {
        MethodInfo info = plan.method().info();
        List<String> hubModels = new ArrayList<>();
        for (LoadedModel m : plan.models()) {
            if (m.fromHubCache()) {
                hubModels.add(m.ref().path());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("---\n");
        if (hubModels.isEmpty()) {
            sb.append("base_model: []\n");
        } else {
            sb.append("base_model:\n");
            hubModels.forEach(h -> sb.append("- ").append(h).append('\n'));
        }
        sb.append("library_name: transformers\n");
        sb.append("tags:\n- amalgam\n- merge\n- mergekit\n\n---\n");
        sb.append("# ").append(outputName).append("\n\n");
        sb.append("This is a merge of pre-trained language models created using Amalgam, which runs"
                + " [mergekit](https://github.com/arcee-ai/mergekit) recipes.\n\n");
        sb.append("## Merge Details\n### Merge Method\n\n");
        String method = info.referenceUrl() == null ? info.prettyName()
                : "[" + info.prettyName() + "](" + info.referenceUrl() + ")";
        sb.append("This model was merged using the ").append(method).append(" merge method");
        LoadedModel base = plan.config().baseModel() == null ? null
                : plan.models().stream().filter(m -> m.ref().equals(plan.config().baseModel())).findFirst().orElse(null);
        if (base != null && !info.name().equals("slerp")) {
            sb.append(" using ").append(link(base)).append(" as a base");
        }
        sb.append(".\n\n### Models Merged\n\nThe following models were included in the merge:\n");
        for (LoadedModel m : plan.models()) {
            if (m != base || info.name().equals("slerp")) {
                sb.append("* ").append(link(m)).append('\n');
            }
        }
        sb.append("\n### Configuration\n\nThe following YAML configuration was used to produce this model:\n\n");
        sb.append("```yaml\n").append(plan.config().sourceText());
        if (!plan.config().sourceText().endsWith("\n")) {
            sb.append('\n');
        }
        sb.append("\n```\n");
        return sb.toString();
    }

    private static String link(LoadedModel m) {
        var ref = m.ref();
        String model = m.fromHubCache() ? "[" + ref.withoutLora() + "](https://huggingface.co/" + ref.path() + ")"
                : ref.withoutLora().toString();
        // mergekit shows an adapter as "model + lora"
        return ref.lora() == null ? model : model + " + " + ref.lora();
    }
}
