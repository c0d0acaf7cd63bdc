package dev.amalgam.golden;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.GoldenComparator.Mode;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The task-arithmetic family and sce against mergekit's outputs for the golden tiny models, in the mode the
 * golden README gives each case: float32 close (1e-5 + 1e-4·|x|) for the deterministic methods, statistics only
 * for the random ones (DARE and DELLA masks cannot match torch's generator; their properties are tested in
 * {@code TaskArithmeticPropertyTest}).
 */
class GoldenTaskArithmeticTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({"task_arithmetic, CLOSE", "ties, CLOSE", "breadcrumbs, CLOSE", "sce, CLOSE", "dare_ties, STAT",
            "della, STAT"})
    void matchesMergekit(String name, Mode mode) throws Exception {
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
        String expectedCard = Files.readString(expected.resolve("README.md"));
        String methodLine = expectedCard.lines().filter(l -> l.startsWith("This model was merged using"))
                .findFirst().orElseThrow();
        assertThat(Files.readString(out.resolve("README.md"))).contains(methodLine);
    }
}
