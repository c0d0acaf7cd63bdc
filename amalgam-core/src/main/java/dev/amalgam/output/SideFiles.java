package dev.amalgam.output;

import dev.amalgam.error.IoFailureException;
import dev.amalgam.exec.ExecutionOptions;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The files written beside the tensors (compat.md §3.8, §3.9, §4): {@code config.json} from the donor model
 * with the dtype and layer count updated, the model card and recipe copy, and the donor's tokenizer files.
 */
public final class SideFiles {
    /** Exactly mergekit's list of tokenizer files copied from the donor (compat.md §3.9). */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer.model",
            "added_tokens.json", "merges.txt", "chat_template.jinja", "generation_config.json",
            "chat_template.json", "video_preprocessor_config.json");

    private SideFiles() {
    }

    public static void write(MergePlan plan, Path dir, String outputName, ExecutionOptions opts,
                             Consumer<String> warnings) {
        try {
            Files.writeString(dir.resolve("config.json"),
                    Json.pythonStyleWriter().writeValueAsString(plan.outputConfig()) + "\n");
            if (opts.writeModelCard()) {
                Files.writeString(dir.resolve("README.md"), ModelCard.render(plan, outputName));
                Files.writeString(dir.resolve("mergekit_config.yml"), plan.config().sourceText());
            }
            if (opts.copyTokenizer()) {
                copyTokenizer(plan.donor().dir(), dir, warnings);
            }
        } catch (IOException e) {
            throw new IoFailureException("cannot write the output's side files in " + dir + ": "
                    + dev.amalgam.error.IoMessages.describe(e), e);
        }
    }

    private static void copyTokenizer(Path donor, Path dir, Consumer<String> warnings) throws IOException {
        boolean hasTokenizer = Files.isRegularFile(donor.resolve("tokenizer_config.json"))
                && (Files.isRegularFile(donor.resolve("tokenizer.json"))
                || Files.isRegularFile(donor.resolve("tokenizer.model")));
        if (!hasTokenizer) {
            warnings.accept("the donor model " + donor + " has no tokenizer (tokenizer_config.json plus"
                    + " tokenizer.json or tokenizer.model); no tokenizer was copied");
            return;
        }
        for (String f : TOKENIZER_FILES) {
            Path src = donor.resolve(f);
            if (Files.isRegularFile(src)) {
                Files.copy(src, dir.resolve(f));
            }
        }
    }
}
