package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every family of error through the command line (docs/errors.md): the exit code, one "error:" message naming the
 * file, tensor or YAML path, no stack trace unless --debug, and nothing written.
 */
class CliErrorTest {
    @TempDir
    Path tmp;
    Path a;
    Path b;

    @BeforeEach
    void models() throws Exception {
        a = TinyModel.llama(2).fill((n, i) -> i).write(tmp.resolve("models/a"));
        b = TinyModel.llama(2).fill((n, i) -> 1).write(tmp.resolve("models/b"));
    }

    @AfterEach
    void noFaultInjection() {
        System.clearProperty(FaultInjection.PROPERTY);
    }

    private Path recipe(String text) throws Exception {
        return Files.writeString(tmp.resolve("r.yml"), text.replace("MODELS", tmp.resolve("models").toString()));
    }

    private static final String LINEAR = """
            merge_method: linear
            models:
              - model: MODELS/a
                parameters: {weight: 1}
              - model: MODELS/b
                parameters: {weight: 1}
            """;

    private List<String> entries() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Runs a command expected to fail, and checks what every failure must look like. */
    private CliTest.Run fails(int code, String... args) throws Exception {
        List<String> before = entries();
        CliTest.Run r = CliTest.run(args);
        assertThat(r.code()).as(r.err()).isEqualTo(code);
        assertThat(r.err()).as("stderr").contains("error: ").doesNotContain("\tat ").doesNotContain("Exception")
                .doesNotContain("\n\n");
        assertThat(r.out()).as("stdout").isEmpty();
        // no output folder, no temporary folder beside it
        assertThat(entries()).isEqualTo(before);
        return r;
    }

    private CliTest.Run mergeFails(int code, Path recipe, String... extra) throws Exception {
        String[] args = Stream.concat(Stream.of("merge", recipe.toString(), tmp.resolve("out").toString()),
                Stream.of(extra)).toArray(String[]::new);
        return fails(code, args);
    }

    @Test
    void yamlSyntaxError() throws Exception {
        Path r = recipe("merge_method: linear\nmodels:\n  - model: [\n");
        assertThat(mergeFails(2, r).err()).contains(r + ":4:1: YAML syntax error:");
    }

    @Test
    void unknownMethodGetsASuggestion() throws Exception {
        Path r = recipe(LINEAR.replace("merge_method: linear", "merge_method: lienar"));
        assertThat(mergeFails(2, r).err()).contains(r + ":1:15: unknown merge_method 'lienar'. Did you mean 'linear'?");
    }

    @Test
    void parameterOfTheWrongType() throws Exception {
        Path r = recipe(LINEAR.replace("weight: 1}\n  - model: MODELS/b", "weight: heavy}\n  - model: MODELS/b"));
        assertThat(mergeFails(2, r).err()).contains(r + ":4:26: models[0].parameters.weight: parameter 'weight'")
                .contains("must be a number").contains("found the string 'heavy'");
    }

    @Test
    void missingRequiredParameter() throws Exception {
        Path r = recipe(LINEAR.replace("    parameters: {weight: 1}\n  - model: MODELS/b", "  - model: MODELS/b"));
        assertThat(mergeFails(2, r).err()).contains(r + ":3:5: models[0]: missing required parameter 'weight' for"
                + " model '" + a + "' (first needed by tensor model.embed_tokens.weight)");
    }

    @Test
    void layerRangeBeyondTheModel() throws Exception {
        Path r = recipe("merge_method: passthrough\nslices:\n  - sources:\n      - model: MODELS/a\n"
                + "        layer_range: [0, 5]\n");
        assertThat(mergeFails(2, r).err()).contains(r + ":4:9: slices[0].sources[0].layer_range: [0, 5] is outside"
                + " model '" + a + "', which has 2 layers");
    }

    @Test
    void nonexistentModel() throws Exception {
        Path r = recipe(LINEAR.replace("MODELS/b", "MODELS/nope"));
        assertThat(mergeFails(2, r).err()).contains("model '" + tmp.resolve("models/nope") + "' was not found");
    }

    @Test
    void unsupportedRecipeDtype() throws Exception {
        Path r = recipe(LINEAR + "dtype: int8\n");
        assertThat(mergeFails(2, r).err()).contains(r + ":7:8: dtype: unknown dtype 'int8'");
    }

    @Test
    void mergeRunsTheSameValidationAsValidateBeforeAnyWork() throws Exception {
        // a problem only the last stage of validation sees: a tensor's shape differs between the models
        TinyModel.llama(2).with("model.layers.1.mlp.down_proj.weight", DType.F32, 4, 5).write(tmp.resolve("models/b"));
        Path r = recipe(LINEAR);
        String expected = "error: tensor model.layers.1.mlp.down_proj.weight has different shapes in the models: " + a
                + " has [4, 4], " + b + " has [4, 5]; these models cannot be merged tensor by tensor";
        assertThat(fails(2, "validate", r.toString()).err()).contains(expected);
        assertThat(mergeFails(2, r).err()).contains(expected);
    }

    @Test
    void corruptModelFileIsExitCode3() throws Exception {
        Path file = a.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length + 4));
        Path r = recipe(LINEAR);
        assertThat(mergeFails(3, r).err()).contains("safetensors file " + file + " has 4 trailing bytes");
        assertThat(fails(3, "validate", r.toString()).err()).contains(file.toString());
        assertThat(Files.readAllBytes(file)).hasSize(bytes.length + 4);
    }

    @Test
    void missingShardIsExitCode3() throws Exception {
        Path src = TestResources.golden().resolve("models/ft_a_bf16_sharded");
        Path copy = Files.createDirectories(tmp.resolve("models/sharded"));
        try (Stream<Path> files = Files.list(src)) {
            for (Path p : files.toList()) {
                Files.copy(p, copy.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.delete(copy.resolve("model-00002-of-00003.safetensors"));
        Path r = recipe("merge_method: linear\nmodels:\n  - model: MODELS/sharded\n    parameters: {weight: 1}\n");
        assertThat(mergeFails(3, r).err()).contains("names shard 'model-00002-of-00003.safetensors', which does not"
                + " exist in " + copy).contains("Re-download the missing shard");
    }

    @Test
    void outputUnderAFileIsAnIoFailure() throws Exception {
        Files.writeString(tmp.resolve("afile"), "x");
        CliTest.Run r = fails(4, "merge", recipe(LINEAR).toString(), tmp.resolve("afile/out").toString());
        assertThat(r.err()).contains("cannot create a temporary output folder in " + tmp.resolve("afile"));
    }

    @Test
    void outputInsideAnInputModelIsRefused() throws Exception {
        CliTest.Run r = fails(2, "merge", recipe(LINEAR).toString(), a.resolve("merged").toString());
        assertThat(r.err()).contains("is inside the input model folder " + a);
        assertThat(a.resolve("merged")).doesNotExist();
    }

    @Test
    void forceCannotReplaceAFolderHoldingAnInput() throws Exception {
        long size = Files.size(a.resolve("model.safetensors"));
        CliTest.Run r = fails(2, "merge", recipe(LINEAR).toString(), tmp.resolve("models").toString(), "--force");
        assertThat(r.err()).contains("input model folder " + a + " is inside the output path " + tmp.resolve("models"));
        assertThat(Files.size(a.resolve("model.safetensors"))).isEqualTo(size);
    }

    @Test
    void forceCannotReplaceTheFolderHoldingTheRecipe() throws Exception {
        Path r = recipe(LINEAR);
        CliTest.Run run = fails(2, "merge", r.toString(), tmp.toString(), "--force");
        assertThat(run.err()).contains("the recipe " + r + " is inside the output path " + tmp);
        assertThat(r).exists();
    }

    @Test
    void writeFailureMidMergeIsExitCode4AndLeavesNothing() throws Exception {
        System.setProperty(FaultInjection.PROPERTY, "fail-after:3");
        CliTest.Run r = mergeFails(4, recipe(LINEAR), "-j", "2");
        assertThat(r.err()).contains("error: cannot write the output: injected write failure after 3 tensor(s)");
    }

    @Test
    void writeFailureWithForceLeavesTheExistingOutputUntouched() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("model.safetensors"), "the previous merge");
        System.setProperty(FaultInjection.PROPERTY, "fail-after:5");
        mergeFails(4, recipe(LINEAR), "--force");
        assertThat(out.resolve("model.safetensors")).hasContent("the previous merge");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s).hasSize(1);
        }
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        Path r = recipe(LINEAR.replace("MODELS/b", "MODELS/nope"));
        CliTest.Run plain = CliTest.run("validate", r.toString());
        CliTest.Run debug = CliTest.run("validate", r.toString(), "--debug");
        assertThat(plain.code()).isEqualTo(2);
        assertThat(debug.code()).isEqualTo(2);
        assertThat(plain.err()).doesNotContain("\tat ");
        assertThat(debug.err()).startsWith(plain.err().strip()).contains("ConfigException").contains("\tat dev.amalgam.");
    }
}
