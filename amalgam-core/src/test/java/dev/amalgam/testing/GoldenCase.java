package dev.amalgam.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One golden case run end to end: the recipe {@code configs/NAME.yml} merged from the golden folder, compared with
 * mergekit's {@code out/NAME} in the given mode (the report is printed), the config.json fields that matter equal,
 * and the model card naming the method as mergekit's does.
 */
public final class GoldenCase {
    private GoldenCase() {
    }

    /** Runs and checks the case; returns the merged folder (under {@code tmp}) for further checks. */
    public static Path mergeAndCompare(String name, GoldenComparator.Mode mode, Path tmp) throws IOException {
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
        String methodLine = Files.readString(expected.resolve("README.md")).lines()
                .filter(l -> l.startsWith("This model was merged using")).findFirst().orElseThrow();
        assertThat(Files.readString(out.resolve("README.md"))).contains(methodLine);
        return out;
    }
}
