package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.TestResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: exit codes, messages, and the files it writes (and does not write). */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        var cmd = Main.commandLine(System.getenv(), args); // as Main.run builds it: only the command named
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path golden(String rel) {
        return TestResources.golden().resolve(rel);
    }

    /** A golden recipe copied into the temp folder, its model paths made absolute. */
    private Path recipe(String name) throws Exception {
        String text = Files.readString(golden("configs/" + name + ".yml"))
                .replace("./models/", golden("models") + "/");
        Path p = tmp.resolve(name + ".yml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void buildsOnlyTheNamedCommandAndAllOfThemOtherwise() {
        assertThat(Main.commandLine(System.getenv(), new String[]{"validate", "x.yml"}).getSubcommands().keySet())
                .containsExactly("validate");
        var all = java.util.List.of("merge", "validate", "inspect", "methods", "align", "lora",
                "make-example-models", "help", "download", "push");
        for (String[] args : new String[][]{{}, {"--help"}, {"help", "merge"}, {"merg"}}) {
            assertThat(Main.commandLine(System.getenv(), args).getSubcommands().keySet()).as(String.join(" ", args))
                    .containsExactlyElementsOf(all);
        }
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("merge ").contains("validate ").contains("download ").contains("push ")
                .doesNotContain("make-example-models");
        Run typo = run("merg", "x.yml");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("Did you mean").contains("amalgam merge");
        Run sub = run("help", "validate");
        assertThat(sub.code()).isZero();
        assertThat(sub.out()).contains("Usage: amalgam validate");
    }

    @Test
    void mergeMatchesMergekitAndRefusesToOverwrite() throws Exception {
        Path out = tmp.resolve("linear");
        Run r = run("merge", recipe("linear").toString(), out.toString(), "-j", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Wrote " + out);
        var cmp = GoldenComparator.compare(golden("out/linear"), out);
        assertThat(cmp.ok()).as(cmp.report()).isTrue();

        long before = Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis();
        Run again = run("merge", recipe("linear").toString(), out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already exists").contains("--force").doesNotContain("Exception");
        assertThat(Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis()).isEqualTo(before);

        Run forced = run("merge", recipe("linear").toString(), out.toString(), "--force",
                "--no-copy-tokenizer", "--no-write-model-card");
        assertThat(forced.code()).as(forced.err()).isZero();
        assertThat(out.resolve("tokenizer.json")).doesNotExist();
        assertThat(out.resolve("README.md")).doesNotExist();
        assertThat(out.resolve("config.json")).exists();
    }

    @Test
    void mergekitOptionsAreAcceptedAndGpuOnesNoted() throws Exception {
        Path out = tmp.resolve("o");
        Run r = run("merge", recipe("passthrough_frankenmerge").toString(), out.toString(),
                "--cuda", "--lazy-unpickle", "--clone-tensors", "--random-seed", "7", "--allow-crimes",
                "--out-shard-size", "100K");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("--cuda does not apply").contains("--lazy-unpickle does not apply")
                .contains("--clone-tensors has no effect");
        assertThat(out.resolve("model.safetensors.index.json")).exists();
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("merge", "a.yml", tmp.resolve("x").toString(), "--no-such-option");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--no-such-option");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void badRecipeFailsWithItsLocationAndNoOutput() throws Exception {
        Path recipe = tmp.resolve("bad.yml");
        Files.writeString(recipe, "merge_method: lineer\nmodels:\n  - model: " + golden("models/ft_a") + "\n");
        Run r = run("merge", recipe.toString(), tmp.resolve("out").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("bad.yml:1:").contains("Did you mean 'linear'").doesNotContain("at dev.amalgam");
        assertThat(tmp.resolve("out")).doesNotExist();
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(recipe);
        }
    }

    @Test
    void validateDescribesThePlanWithoutWriting() throws Exception {
        Run r = run("validate", recipe("passthrough_frankenmerge").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("is valid").contains("passthrough").contains("LlamaForCausalLM, 4 layers")
                .contains("output:        6 layers");
    }

    @Test
    void validateReportsEveryProblemAtOnce() throws Exception {
        Path recipe = tmp.resolve("two.yml");
        Files.writeString(recipe, """
                merge_method: linear
                models:
                  - model: ./no/such/model
                    parameters: {weight: 1}
                  - model: ./another/missing
                    parameters: {weight: 1}
                """);
        Run r = run("validate", recipe.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("2 problems").contains("no/such/model").contains("another/missing");
    }

    @Test
    void inspectListsTensorsAndArchitecture() {
        Run r = run("inspect", golden("models/ft_a_bf16_sharded").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("model.layers.3.mlp.down_proj.weight").contains("BF16")
                .contains("model-00003-of-00003.safetensors").contains("LlamaForCausalLM")
                .contains("layers:       4 under model.layers").contains("tensors:      39");
    }

    @Test
    void exampleRecipesRunFromAnyWorkingDirectory() {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        Path out = tmp.resolve("soup");
        Run r = run("merge", examples.resolve("soup.yml").toString(), out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        Run f = run("merge", examples.resolve("frankenmerge.yml").toString(), tmp.resolve("fm").toString());
        assertThat(f.code()).as(f.err()).isZero();
    }

    @Test
    void methodsListsEveryRegisteredMethodWithParametersAndDefaults() {
        Run r = run("methods");
        assertThat(r.code()).as(r.err()).isZero();
        for (String name : dev.amalgam.merge.MethodRegistry.names()) {
            assertThat(r.out()).contains("\n" + name + " - ");
        }
        assertThat(r.out()).contains("ties - Trims each task vector")
                .contains("per-model:  weight (required), density = 1")
                .contains("normalize = true").contains("epsilon = 0.15").contains("gamma = 0.01")
                .contains("random:     yes");
        Run one = run("methods", "della");
        assertThat(one.code()).isZero();
        assertThat(one.out()).startsWith("\ndella - ").contains("https://arxiv.org/abs/2406.11617")
                .doesNotContain("ties -");
    }

    @Test
    void aMisspelledMethodNameGetsASuggestion() throws Exception {
        Run r = run("methods", "dare-ties");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown merge_method 'dare-ties'").contains("Did you mean 'dare_ties'?");
        Path recipe = tmp.resolve("typo.yml");
        Files.writeString(recipe, Files.readString(recipe("dare_ties")).replace("dare_ties", "dare-ties"));
        Run merge = run("merge", recipe.toString(), tmp.resolve("out").toString());
        assertThat(merge.code()).isEqualTo(2);
        assertThat(merge.err()).contains("Did you mean 'dare_ties'?");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void randomMethodsPrintTheSeed() throws Exception {
        Run r = run("merge", recipe("dare_ties").toString(), tmp.resolve("d").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("Random seed: 42 (the default; pass --random-seed N for another)");
        Run seeded = run("merge", recipe("dare_ties").toString(), tmp.resolve("s").toString(), "--random-seed", "7");
        assertThat(seeded.code()).as(seeded.err()).isZero();
        assertThat(seeded.err()).contains("Random seed: 7").doesNotContain("the default");
        assertThat(Files.readAllBytes(tmp.resolve("d/model.safetensors")))
                .isNotEqualTo(Files.readAllBytes(tmp.resolve("s/model.safetensors")));
        Run deterministic = run("merge", recipe("ties").toString(), tmp.resolve("t").toString());
        assertThat(deterministic.err()).doesNotContain("Random seed");
    }

    @Test
    void tiesExampleRuns() {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        Run r = run("merge", examples.resolve("ties.yml").toString(), tmp.resolve("ties").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("with ties");
        assertThat(tmp.resolve("ties/model.safetensors")).exists();
    }
}
