package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amalgam align} and recipes with side-input files, through the command line. */
class MethodsBeyondMergekitCliTest {
    @TempDir
    Path tmp;

    private static Path model(String name) {
        return TestResources.golden().resolve("models").resolve(name);
    }

    @Test
    void alignWritesThePermutedModelAndRefusesToOverwrite() {
        Path out = tmp.resolve("aligned");
        CliTest.Run r = CliTest.run("align", model("base").toString(), model("other").toString(), out.toString(),
                "--iterations", "3", "--seed", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("aligned").contains("permutations moved units").contains("wrote " + out);
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("permutations.json")).exists();
        assertThat(out.resolve("tokenizer.json")).exists();
        CliTest.Run again = CliTest.run("align", model("base").toString(), model("other").toString(), out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already exists").doesNotContain("Exception");
    }

    @Test
    void alignOfMismatchedModelsIsAUsageError() throws Exception {
        dev.amalgam.testing.TinyModel.llama(2).write(tmp.resolve("tiny"));
        CliTest.Run r = CliTest.run("align", model("base").toString(), tmp.resolve("tiny").toString(),
                tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("must have the same architecture").doesNotContain("Exception");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void fisherPathsAreResolvedAgainstTheRecipesFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("recipes"));
        SideFiles.likeModel(dir.resolve("fa.safetensors"), model("ft_a"), (n, i) -> 1f, Map.of());
        SideFiles.likeModel(dir.resolve("fb.safetensors"), model("ft_b"), (n, i) -> 3f, Map.of());
        Path recipe = dir.resolve("fisher.yml");
        Files.writeString(recipe, "merge_method: fisher\nmodels:\n"
                + "  - model: " + model("ft_a") + "\n    parameters: {fisher: fa.safetensors}\n"
                + "  - model: " + model("ft_b") + "\n    parameters: {fisher: fb.safetensors}\n");
        Path out = tmp.resolve("out");
        CliTest.Run r = CliTest.run("merge", recipe.toString(), out.toString(), "-j", "2");
        assertThat(r.code()).as(r.err()).isZero();
        String t = "model.layers.1.mlp.up_proj.weight";
        float[] got = TestMerges.read(out, t);
        float[] a = TestMerges.read(model("ft_a"), t);
        float[] b = TestMerges.read(model("ft_b"), t);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).isCloseTo((a[i] + 3 * b[i]) / 4, org.assertj.core.api.Assertions.within(1e-6f));
        }
    }

    @Test
    void aBadSideInputFileIsExitCode3WithNoOutput() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("recipes"));
        SideFiles.likeModel(dir.resolve("fa.safetensors"), model("ft_a"), (n, i) -> 1f, Map.of());
        Files.writeString(dir.resolve("fb.safetensors"), "not a safetensors file");
        Path recipe = dir.resolve("fisher.yml");
        Files.writeString(recipe, "merge_method: fisher\nmodels:\n"
                + "  - model: " + model("ft_a") + "\n    parameters: {fisher: fa.safetensors}\n"
                + "  - model: " + model("ft_b") + "\n    parameters: {fisher: fb.safetensors}\n");
        CliTest.Run r = CliTest.run("merge", recipe.toString(), tmp.resolve("out").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("fb.safetensors").doesNotContain("Exception");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void aDilocoRoundNamesItsStateFile() throws Exception {
        Path recipe = tmp.resolve("r1.yml");
        Files.writeString(recipe, "merge_method: diloco\nbase_model: " + model("base") + "\nmodels:\n"
                + "  - model: " + model("ft_a") + "\n  - model: " + model("ft_b") + "\n");
        Path out = tmp.resolve("r1");
        CliTest.Run r = CliTest.run("merge", recipe.toString(), out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Optimizer state (step 1) in " + out.resolve("optimizer_state.safetensors"));
    }

    @Test
    void theDilocoExampleRunsTwoRounds() throws Exception {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        Path r1 = tmp.resolve("round1");
        CliTest.Run r = CliTest.run("merge", examples.resolve("diloco.yml").toString(), r1.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String second = Files.readString(examples.resolve("diloco.yml"))
                .replace("base_model: ./models/base", "base_model: " + r1
                        + "\nparameters: {optimizer_state: " + r1.resolve("optimizer_state.safetensors") + "}")
                .replace("./models/", examples.resolve("models") + "/")
                .replace("parameters:\n  outer_lr: 0.7\n  momentum: 0.9\n", "");
        Path recipe2 = tmp.resolve("round2.yml");
        Files.writeString(recipe2, second);
        CliTest.Run r2 = CliTest.run("merge", recipe2.toString(), tmp.resolve("round2").toString());
        assertThat(r2.code()).as(r2.err()).isZero();
        assertThat(r2.out()).contains("Optimizer state (step 2)");
    }
}
