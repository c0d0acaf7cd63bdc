package dev.amalgam.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The golden cases: mergekit's own outputs for the tiny models in {@code golden/}, which our merges must match
 * within the tolerances of the golden README (float32 to 1e-5 + 1e-4·|x|; bf16/fp16 to 2 ulp for 99.9% of
 * elements, never beyond 8; we compute in float32 and round once where mergekit rounds after every operation).
 */
class GoldenMergeTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear_bf16_sharded", "linear_fp16_out_bf16", "passthrough_frankenmerge"})
    void matchesMergekit(String name) throws Exception {
        Path golden = TestResources.golden();
        String recipe = Files.readString(golden.resolve("configs/" + name + ".yml"));
        Path out = tmp.resolve(name);
        TestMerges.merge(recipe, golden, out);

        Path expected = golden.resolve("out/" + name);
        GoldenComparator.Result r = GoldenComparator.compare(expected, out);
        System.out.println("golden " + name + ": " + r.report().lines().reduce((a, b) -> b).orElse(""));
        assertThat(r.ok()).as(r.report()).isTrue();

        JsonNode e = Json.MAPPER.readTree(Files.readString(expected.resolve("config.json")));
        JsonNode a = Json.MAPPER.readTree(Files.readString(out.resolve("config.json")));
        for (String key : new String[]{"architectures", "num_hidden_layers", "torch_dtype", "vocab_size"}) {
            assertThat(a.get(key)).as("config.json " + key).isEqualTo(e.get(key));
        }
        for (String f : new String[]{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            assertThat(out.resolve(f)).as(f).hasSameBinaryContentAs(expected.resolve(f));
        }
        assertThat(out.resolve("mergekit_config.yml")).hasContent(recipe);
        String card = Files.readString(out.resolve("README.md"));
        assertThat(card).startsWith("---\nbase_model: []\nlibrary_name: transformers\ntags:\n")
                .contains("# " + name + "\n", "## Merge Details", "### Merge Method", "### Models Merged",
                        "### Configuration", "```yaml\n" + recipe);
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("model.safetensors.index.json")).doesNotExist();
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(name);
        }
    }
}
