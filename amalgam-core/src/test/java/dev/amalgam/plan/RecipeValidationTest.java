package dev.amalgam.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recipe problems that need the models' headers (issue 5, compat.md §7 item 7): each is found while planning, before
 * any tensor data is read, and says where in the recipe it is and what to do.
 */
class RecipeValidationTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(2).write(tmp.resolve("a"));
        TinyModel.llama(2).write(tmp.resolve("b"));
        TinyModel.llama(3).write(tmp.resolve("c"));
    }

    private AmalgamException fails(String yaml) {
        Throwable t = catchThrowable(() -> TestMerges.plan(yaml, tmp).close());
        assertThat(t).as("expected the recipe to be refused").isInstanceOf(AmalgamException.class);
        return (AmalgamException) t;
    }

    private String configError(String yaml) {
        AmalgamException e = fails(yaml);
        assertThat(e).isInstanceOf(ConfigException.class);
        assertThat(e.exitCode()).isEqualTo(2);
        return e.getMessage();
    }

    @Test
    void missingRequiredParameterNamesLineModelAndTensor() {
        String msg = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: b
                """);
        assertThat(msg).isEqualTo("test.yml:5:5: models[1]: missing required parameter 'weight' for model 'b' (first"
                + " needed by tensor model.embed_tokens.weight). Add `weight: <value>` under its parameters (or at"
                + " the top level).");
    }

    @Test
    void parameterOfTheWrongTypeIsRefusedWithItsLine() {
        String msg = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: abc}
                  - model: b
                    parameters: {weight: 1}
                """);
        assertThat(msg).isEqualTo("test.yml:4:26: models[0].parameters.weight: parameter 'weight' of merge method"
                + " linear must be a number (or true/false), found the string 'abc' (for tensor"
                + " model.embed_tokens.weight)");
        // a global parameter, and one problem per recipe value (not one per tensor)
        String global = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                parameters:
                  normalize: maybe
                """);
        assertThat(global).isEqualTo("test.yml:6:14: parameters.normalize: parameter 'normalize' of merge method"
                + " linear must be a number (or true/false), found the string 'maybe' (for tensor"
                + " model.embed_tokens.weight)");
        // booleans are numbers, as in mergekit
        TestMerges.plan("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n"
                + "parameters: {normalize: yes}\n", tmp).close();
    }

    @Test
    void layerRangeBeyondTheModelIsOneProblem() {
        String msg = configError("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 3]
                """);
        assertThat(msg).isEqualTo("test.yml:4:9: slices[0].sources[0].layer_range: [0, 3] is outside model 'a',"
                + " which has 2 layers (a half-open range: valid values run from [0, 0] to [0, 2])");
    }

    @Test
    void slicesOfUnequalLengthsAgainstTheModels() {
        // both ranges are inside their models, but c's slice is one layer longer
        String msg = configError("""
                merge_method: linear
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 2]
                        parameters: {weight: 1}
                      - model: c
                        layer_range: [0, 3]
                        parameters: {weight: 1}
                """);
        assertThat(msg).contains("slices[0].sources").contains("same number of layers").contains("a 2")
                .contains("c 3");
    }

    @Test
    void modelsWithDifferentLayerCountsNeedSlices() {
        String msg = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: c
                    parameters: {weight: 1}
                """);
        assertThat(msg).contains("different layer counts").contains("a: 2").contains("c: 3")
                .contains("use slices: with layer_range");
    }

    @Test
    void shapeMismatchNamesTheTensorAndBothShapes() throws Exception {
        TinyModel.llama(2).with("model.norm.weight", DType.F32, 5).write(tmp.resolve("wide"));
        String msg = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: wide
                    parameters: {weight: 1}
                """);
        assertThat(msg).isEqualTo("tensor model.norm.weight has different shapes in the models: a has [4], wide has"
                + " [5]; these models cannot be merged tensor by tensor");
    }

    @Test
    void unsupportedTensorDtypeIsNamed() throws Exception {
        TinyModel.llama(2).with("model.norm.weight", DType.C64, 4).write(tmp.resolve("complex"));
        String msg = configError("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: complex
                    parameters: {weight: 1}
                """);
        assertThat(msg).isEqualTo("tensor model.norm.weight of model 'complex' has dtype C64, which Amalgam cannot"
                + " merge (supported: F64, F32, BF16, F16, F8_E4M3, F8_E5M2 and integer tensors, which are copied)");
    }

    @Test
    void everyProblemOfTheRecipeInOneReport() {
        // an unknown method, a model that does not exist and a layer range beyond another model: one run, one report
        String msg = configError("""
                merge_method: passtrough
                slices:
                  - sources:
                      - model: ./missing-model
                        layer_range: [0, 2]
                  - sources:
                      - model: a
                        layer_range: [1, 7]
                """);
        assertThat(msg).startsWith("3 problems:\n- ")
                .contains("- test.yml:1:15: unknown merge_method 'passtrough'. Did you mean 'passthrough'?")
                .contains("- model './missing-model' was not found. Looked in:\n    - " + tmp.resolve("missing-model"))
                .contains("test.yml:7:9: slices[1].sources[0].layer_range: [1, 7] is outside model 'a'");
    }

    @Test
    void corruptModelFileIsABadInputError() throws Exception {
        Path bad = TinyModel.llama(2).write(tmp.resolve("bad"));
        Path file = bad.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        AmalgamException e = fails("merge_method: linear\nmodels:\n  - model: bad\n    parameters: {weight: 1}\n");
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.getMessage()).contains(file.toString()).contains("truncated").contains("Re-download");
    }

    /** Planning reads headers only: no shard of any model is memory-mapped (Linux: /proc/self/maps). */
    @Test
    void planningReadsNoTensorData() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps (Linux)");
        try (MergePlan plan = TestMerges.plan("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: b
                    parameters: {weight: 2}
                """, tmp)) {
            assertThat(plan.jobs()).hasSize(9);
            assertThat(Files.readAllLines(maps)).noneMatch(l -> l.contains(tmp.toString()));
        }
        fails("merge_method: linear\nmodels:\n  - model: a\n    parameters: {weight: 1}\n  - model: c\n"
                + "    parameters: {weight: 1}\n");
        assertThat(Files.readAllLines(maps)).noneMatch(l -> l.contains(tmp.toString()));
    }
}
