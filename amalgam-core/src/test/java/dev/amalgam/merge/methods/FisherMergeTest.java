package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fisher merging against hand-computed values and a float64 reference on the golden tiny models. */
class FisherMergeTest {
    private static final String T = "model.layers.1.self_attn.o_proj.weight";
    private static final Map<String, String> META = Map.of("kind", "fisher_diag", "estimator", "exact");

    @TempDir
    Path tmp;

    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(2).fill((n, i) -> 1f + i / 100f).write(tmp.resolve("a"));
        TinyModel.llama(2).fill((n, i) -> 2f - i / 50f).write(tmp.resolve("b"));
    }

    private static float a(int i) {
        return 1f + i / 100f;
    }

    private static float b(int i) {
        return 2f - i / 50f;
    }

    private void fishers(float aValue, SideFiles.Filler bFisher) {
        SideFiles.likeModel(tmp.resolve("fa.safetensors"), tmp.resolve("a"), (n, i) -> aValue, META);
        SideFiles.likeModel(tmp.resolve("fb.safetensors"), tmp.resolve("b"), bFisher, META);
    }

    private static String recipe(String extra) {
        return """
                merge_method: fisher
                models:
                  - model: a
                    parameters: {weight: 2, fisher: fa.safetensors}
                  - model: b
                    parameters: {weight: 1, fisher: fb.safetensors}
                """ + extra;
    }

    @Test
    void unequalWeightsAndTheFloor() {
        // F_a = 1 everywhere; F_b = 3 on even elements and 0 on odd ones, which the floor (0.5) lifts
        fishers(1f, (n, i) -> i % 2 == 0 ? 3f : 0f);
        TestMerges.merge(recipe("parameters: {fisher_floor: 0.5}\n"), tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            // even: (2·1·a + 1·3·b) / (2 + 3); odd: (2·1·a + 1·0.5·b) / (2 + 0.5)
            float expected = i % 2 == 0 ? (2 * a(i) + 3 * b(i)) / 5f : (2 * a(i) + 0.5f * b(i)) / 2.5f;
            assertThat(v[i]).as("element %d", i).isCloseTo(expected, within(2e-6f));
        }
    }

    @Test
    void defaultFloorLetsTheOtherModelWin() {
        fishers(1f, (n, i) -> 0f);
        TestMerges.merge(recipe(""), tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            double expected = (2.0 * a(i) + 1e-6 * b(i)) / (2 + 1e-6);
            assertThat((double) v[i]).isCloseTo(expected, within(2e-6));
        }
    }

    @Test
    void everyFisherBelowTheFloorGivesTheWeightedMean() {
        fishers(0f, (n, i) -> 0f);
        TestMerges.merge(recipe(""), tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), "model.norm.weight");
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo((2 * a(i) + b(i)) / 3f, within(2e-6f));
        }
    }

    @Test
    void normalizeFishersDividesByEachFilesNorm() {
        // F_a = 2 and F_b = 1 everywhere, so ‖F_a‖ = 2‖F_b‖: normalized, c_a·F_a = 2/‖F_a‖·2 equals c_b·F_b = 1/‖F_b‖
        fishers(2f, (n, i) -> 1f);
        TestMerges.merge(recipe("parameters: {normalize_fishers: true}\n"), tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo((2 * a(i) + b(i)) / 3f, within(2e-6f));
        }
        TestMerges.merge(recipe(""), tmp, tmp.resolve("plain"));
        float[] p = TestMerges.read(tmp.resolve("plain"), T);
        for (int i = 0; i < p.length; i++) {
            assertThat(p[i]).isCloseTo((4 * a(i) + b(i)) / 5f, within(2e-6f));
        }
    }

    @Test
    void goldenModelsAgainstAFloat64Reference() {
        Path golden = TestResources.golden().resolve("models");
        String[] names = {"ft_a", "ft_b", "ft_c"};
        double[] weights = {1.0, 0.5, 2.0};
        for (int k = 0; k < names.length; k++) {
            long seed = 100 + k;
            SideFiles.likeModel(tmp.resolve("f_" + names[k] + ".safetensors"), golden.resolve(names[k]),
                    (n, i) -> (float) (new CounterRandom(seed, n).uniform(i) < 0.2 ? 0.0
                            : new CounterRandom(seed + 7, n).uniform(i)),
                    META);
        }
        StringBuilder yaml = new StringBuilder("merge_method: fisher\nparameters: {fisher_floor: 0.01}\nmodels:\n");
        for (int k = 0; k < names.length; k++) {
            yaml.append("  - model: ").append(golden.resolve(names[k])).append("\n    parameters: {weight: ")
                    .append(weights[k]).append(", fisher: f_").append(names[k]).append(".safetensors}\n");
        }
        TestMerges.merge(yaml.toString(), tmp, tmp.resolve("out"));
        for (String t : new String[]{"model.layers.2.mlp.up_proj.weight", "model.embed_tokens.weight",
                "model.layers.0.input_layernorm.weight"}) {
            float[] got = TestMerges.read(tmp.resolve("out"), t);
            float[][] x = new float[3][];
            float[][] f = new float[3][];
            for (int k = 0; k < 3; k++) {
                x[k] = TestMerges.read(golden.resolve(names[k]), t);
                f[k] = SideFiles.read(tmp.resolve("f_" + names[k] + ".safetensors"), t);
            }
            double maxErr = 0;
            for (int i = 0; i < got.length; i++) {
                double num = 0;
                double den = 0;
                for (int k = 0; k < 3; k++) {
                    double w = weights[k] * Math.max(f[k][i], 0.01);
                    num += w * x[k][i];
                    den += w;
                }
                double expected = num / den;
                maxErr = Math.max(maxErr, Math.abs(got[i] - expected) / (1e-6 + Math.abs(expected)));
            }
            assertThat(maxErr).as("max relative error of %s", t).isLessThan(1e-6);
        }
    }

    @Test
    void aliasedKeyIsFollowed() {
        fishers(1f, (n, i) -> 3f);
        // rewrite a's Fisher with o_proj of layer 1 stored once under layer 0's name and aliased
        Map<String, SideFiles.Entry> t = new LinkedHashMap<>();
        var shapes = TinyModel.llama(2).shapes();
        shapes.forEach((name, shape) -> {
            if (!name.equals(T)) {
                int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
                float[] v = new float[n];
                java.util.Arrays.fill(v, name.equals("model.layers.0.self_attn.o_proj.weight") ? 2f : 1f);
                t.put(name, SideFiles.Entry.f32(v, shape));
            }
        });
        SideFiles.write(tmp.resolve("fa.safetensors"), t, Map.of("alias." + T, "model.layers.0.self_attn.o_proj.weight"));
        TestMerges.merge(recipe(""), tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            // c_a·F_a = 2·2 = 4 against c_b·F_b = 1·3 = 3
            assertThat(v[i]).isCloseTo((4 * a(i) + 3 * b(i)) / 7f, within(2e-6f));
        }
    }

    @Test
    void missingTensorWrongShapeAndIntegerDtypeAreNamedBeforeAnyWork() {
        fishers(1f, (n, i) -> 1f);
        var shapes = TinyModel.llama(2).shapes();
        Map<String, SideFiles.Entry> t = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            if (name.equals("model.norm.weight")) {
                return; // missing
            }
            if (name.equals(T)) {
                t.put(name, SideFiles.Entry.f32(new float[n], 2, 8)); // wrong shape
            } else if (name.equals("lm_head.weight")) {
                t.put(name, new SideFiles.Entry(DType.I32, shape, new float[n])); // not a float
            } else {
                t.put(name, SideFiles.Entry.f32(new float[n], shape));
            }
        });
        SideFiles.write(tmp.resolve("fb.safetensors"), t, META);
        assertThatThrownBy(() -> TestMerges.merge(recipe(""), tmp, tmp.resolve("out")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("fb.safetensors (parameter 'fisher' of model 'b') has no tensor 'model.norm.weight'")
                .hasMessageContaining("tensor '" + T + "' of side-input file fb.safetensors has shape [2, 8], but merging")
                .hasMessageContaining("needs [4, 4]")
                .hasMessageContaining("'lm_head.weight' of side-input file fb.safetensors is I32");
        assertThat(tmp.resolve("out")).doesNotExist();
        assertThat(((AmalgamException) catchPlan()).exitCode()).isEqualTo(3);
    }

    private Throwable catchPlan() {
        try {
            TestMerges.plan(recipe(""), tmp).close();
            return null;
        } catch (AmalgamException e) {
            return e;
        }
    }

    @Test
    void missingFileIsARecipeError() {
        fishers(1f, (n, i) -> 1f);
        assertThatThrownBy(() -> TestMerges.plan(recipe("").replace("fb.safetensors", "nope.safetensors"), tmp))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("side-input file (parameter 'fisher' of model 'b') 'nope.safetensors' was not found");
    }

    @Test
    void everyModelNeedsAFisher() {
        fishers(1f, (n, i) -> 1f);
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: fisher
                models:
                  - model: a
                    parameters: {fisher: fa.safetensors}
                  - model: b
                """, tmp)).isInstanceOf(ConfigException.class).hasMessageContaining("missing required parameter 'fisher'");
    }

    @Test
    void aTiedHeadFindsItsFisherUnderTheEmbeddingsName() throws Exception {
        // b ties lm_head to its embedding and has no lm_head tensor, so neither has its Fisher file
        TinyModel.llama(2).without("lm_head.weight").fill((n, i) -> 2f - i / 50f).write(tmp.resolve("b"));
        SideFiles.likeModel(tmp.resolve("fa.safetensors"), tmp.resolve("a"), (n, i) -> 1f, META);
        SideFiles.likeModel(tmp.resolve("fb.safetensors"), tmp.resolve("b"),
                (n, i) -> n.equals("model.embed_tokens.weight") ? 4f : 1f, META);
        TestMerges.merge(recipe(""), tmp, tmp.resolve("out"));
        float[] head = TestMerges.read(tmp.resolve("out"), "lm_head.weight");
        for (int i = 0; i < head.length; i++) {
            // c_a·F_a = 2·1, c_b·F_b = 1·4 (b's head is its embedding, which holds b(i) too)
            assertThat(head[i]).isCloseTo((2 * a(i) + 4 * b(i)) / 6f, within(2e-6f));
        }
    }
}
