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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The golden cases of the interpolation and geometric methods: mergekit's outputs for the tiny float32 models,
 * matched within the golden README's tolerances (|ours − mergekit| ≤ 1e-5 + 1e-4·|mergekit|). arcee_fusion is
 * compared in loose mode (at most 1% of elements beyond that tolerance), because whether an element is kept hinges
 * on the last bits of a float32 KL value, which we compute in float64.
 */
class GoldenInterpolationTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"slerp, CLOSE", "nuslerp, CLOSE", "multislerp, CLOSE", "karcher, CLOSE", "model_stock, CLOSE",
            "arcee_fusion, LOOSE"})
    void matchesMergekit(String name, GoldenComparator.Mode mode) throws Exception {
        Path golden = TestResources.golden();
        String recipe = Files.readString(golden.resolve("configs/" + name + ".yml"));
        Path out = tmp.resolve(name);
        TestMerges.merge(recipe, golden, out);

        Path expected = golden.resolve("out/" + name);
        GoldenComparator.Result r = GoldenComparator.compare(expected, out, mode);
        System.out.println("golden " + name + " (" + mode + "): " + r.report().lines().reduce((a, b) -> b).orElse(""));
        assertThat(r.ok()).as(r.report()).isTrue();

        JsonNode e = Json.MAPPER.readTree(Files.readString(expected.resolve("config.json")));
        JsonNode a = Json.MAPPER.readTree(Files.readString(out.resolve("config.json")));
        for (String key : new String[]{"architectures", "num_hidden_layers", "torch_dtype", "vocab_size"}) {
            assertThat(a.get(key)).as("config.json " + key).isEqualTo(e.get(key));
        }
        String card = Files.readString(out.resolve("README.md"));
        String expectedCard = Files.readString(expected.resolve("README.md"));
        String methodLine = expectedCard.lines().filter(l -> l.startsWith("This model was merged using")).findFirst()
                .orElseThrow();
        assertThat(card).contains(methodLine);
    }
}
