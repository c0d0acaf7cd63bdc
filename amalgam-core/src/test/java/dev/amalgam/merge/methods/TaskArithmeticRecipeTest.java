package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.ConfigException;
import dev.amalgam.exec.ExecutionOptions;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The task-arithmetic family through whole recipes: gradients, filters, embeddings, seeds and threads. */
class TaskArithmeticRecipeTest {
    @TempDir
    Path tmp;

    private static float base(int i) {
        return 0.5f + i / 64f;
    }

    /** Distinct small deltas, so magnitude selection has no ties. */
    private static float delta(int i) {
        return (i % 2 == 0 ? 1 : -1) * (0.01f + i / 1000f);
    }

    private void models() throws Exception {
        TinyModel.llama(3).fill((n, i) -> base(i)).write(tmp.resolve("base"));
        TinyModel.llama(3).fill((n, i) -> base(i) + delta(i)).write(tmp.resolve("ft"));
    }

    @Test
    void perLayerGradientsAndFiltersApplyToEveryParameter() throws Exception {
        models();
        TestMerges.merge("""
                merge_method: ties
                base_model: base
                models:
                  - model: ft
                    parameters:
                      weight: [0, 1]
                      density:
                        - filter: mlp
                          value: 0.5
                        - value: 1.0
                parameters:
                  normalize: false
                  lambda:
                    - filter: self_attn
                      value: 2.0
                    - value: 1.0
                """, tmp, tmp.resolve("out"));
        Path out = tmp.resolve("out");
        // layer t = 0, 0.5, 1 → weight 0, 0.5, 1; lambda 2 on self_attn; density 0.5 on mlp
        for (int layer = 0; layer < 3; layer++) {
            float w = layer / 2f;
            float[] o = TestMerges.read(out, "model.layers." + layer + ".self_attn.o_proj.weight");
            for (int i = 0; i < o.length; i++) {
                float expected = base(i) + 2f * (w * ((base(i) + delta(i)) - base(i)));
                assertThat(o[i]).as("layer %d o_proj[%d]", layer, i).isCloseTo(expected, within(1e-6f));
            }
            float[] d = TestMerges.read(out, "model.layers." + layer + ".mlp.down_proj.weight");
            int changed = 0;
            for (int i = 0; i < d.length; i++) {
                changed += Math.abs(d[i] - base(i)) > 1e-7f ? 1 : 0;
            }
            // 16 elements, density 0.5 → the 8 largest |δ| (the last 8 indices) survive, scaled by w
            assertThat(changed).as("layer %d down_proj changed elements", layer).isEqualTo(layer == 0 ? 0 : 8);
            if (layer > 0) {
                for (int i = 8; i < 16; i++) {
                    float expected = base(i) + w * ((base(i) + delta(i)) - base(i));
                    assertThat(d[i]).isCloseTo(expected, within(1e-6f));
                }
            }
        }
        // the embedding is a pre-weight (t = 0 → weight 0): the base unchanged
        float[] e = TestMerges.read(out, "model.embed_tokens.weight");
        for (int i = 0; i < e.length; i++) {
            assertThat(e[i]).isEqualTo(base(i));
        }
    }

    @Test
    void largerVocabulariesAreCutToTheBaseAndMismatchedWeightsSkipTheModel() throws Exception {
        TinyModel.llama(1).fill((n, i) -> base(i)).write(tmp.resolve("base"));
        TinyModel.llama(1).fill((n, i) -> base(i) + delta(i))
                .with("model.embed_tokens.weight", DType.F32, 10, 4).with("lm_head.weight", DType.F32, 10, 4)
                .with("model.layers.0.mlp.down_proj.weight", DType.F32, 4, 5).write(tmp.resolve("ft"));
        List<String> warnings = TestMerges.merge("""
                merge_method: task_arithmetic
                base_model: base
                models:
                  - model: ft
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out"));
        float[] e = TestMerges.read(tmp.resolve("out"), "model.embed_tokens.weight");
        assertThat(e).hasSize(32);
        for (int i = 0; i < 32; i++) {
            // rows and columns line up: element i of the [8, 4] cut is element i of the [10, 4] tensor
            assertThat(e[i]).isCloseTo(base(i) + 0.5f * delta(i), within(1e-6f));
        }
        float[] d = TestMerges.read(tmp.resolve("out"), "model.layers.0.mlp.down_proj.weight");
        for (int i = 0; i < d.length; i++) {
            assertThat(d[i]).isEqualTo(base(i));
        }
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("model.embed_tokens.weight", "truncated"));
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("mlp.down_proj", "left out"));
    }

    @Test
    void aSmallerVocabularyThanTheBaseIsAClearError() throws Exception {
        TinyModel.llama(1).fill((n, i) -> base(i)).write(tmp.resolve("base"));
        TinyModel.llama(1).with("model.embed_tokens.weight", DType.F32, 6, 4).write(tmp.resolve("ft"));
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: dare_linear
                base_model: base
                models:
                  - model: ft
                    parameters: {weight: 1, density: 0.5}
                """, tmp).close())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.embed_tokens.weight").hasMessageContaining("smaller than the base");
    }

    /** Non-numeric values are refused by the planner's type check, naming the parameter, before any work. */
    @Test
    void nonNumericParametersAreRejectedBeforeWork() throws Exception {
        models();
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: ties
                base_model: base
                models:
                  - model: ft
                    parameters: {weight: 1, density: abc}
                """, tmp).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("parameter 'density' of merge method ties"
                        + " must be a number (or true/false), found the string 'abc'");
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: ties
                base_model: base
                models:
                  - model: ft
                    parameters: {weight: 1}
                parameters: {normalize: maybe}
                """, tmp).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("parameter 'normalize' of merge method"
                        + " ties must be a number (or true/false), found the string 'maybe'");
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: sce
                base_model: base
                models:
                  - model: ft
                    parameters: {weight: 1}
                parameters: {select_topk: half}
                """, tmp).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("parameter 'select_topk' of merge method"
                        + " sce must be a number (or true/false), found the string 'half'");
    }

    @Test
    void aRecipeWithoutABaseModelIsRejectedBeforeWork() throws Exception {
        models();
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: ties
                models:
                  - model: ft
                    parameters: {weight: 1}
                  - model: base
                    parameters: {weight: 1}
                """, tmp).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("ties needs a base model");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dare_ties", "della"})
    void randomMethodsGiveTheSameBytesForAnyThreadCountAndChangeWithTheSeed(String name) throws Exception {
        Path golden = TestResources.golden();
        String recipe = Files.readString(golden.resolve("configs/" + name + ".yml"));
        long shard = ExecutionOptions.DEFAULT_SHARD_BYTES;
        TestMerges.merge(recipe, golden, tmp.resolve("j1"), 1, shard, 42);
        TestMerges.merge(recipe, golden, tmp.resolve("j4"), 4, shard, 42);
        TestMerges.merge(recipe, golden, tmp.resolve("seed43"), 3, shard, 43);
        byte[] one = Files.readAllBytes(tmp.resolve("j1/model.safetensors"));
        assertThat(Files.readAllBytes(tmp.resolve("j4/model.safetensors"))).as("-j 4 vs -j 1").isEqualTo(one);
        assertThat(Files.readAllBytes(tmp.resolve("seed43/model.safetensors"))).as("seed 43 vs 42").isNotEqualTo(one);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ties", "dare_ties", "breadcrumbs_ties", "della_linear"})
    void halfPrecisionInputsAreComputedInFloat32AndRoundedOnce(String name) throws Exception {
        // fp16 and sharded bf16 fine-tunes on a float32 base: the float16 output must be exactly the float32
        // result rounded once to nearest-even
        Path golden = TestResources.golden();
        String recipe = """
                merge_method: %s
                base_model: ./models/base
                models:
                  - model: ./models/ft_a_fp16
                    parameters: {weight: 0.6, density: 0.5, epsilon: 0.1}
                  - model: ./models/ft_b_bf16
                    parameters: {weight: 0.4, density: 0.7, epsilon: 0.1}
                  - model: ./models/ft_a_bf16_sharded
                    parameters: {weight: 0.3, density: 0.6, epsilon: 0.1}
                """.formatted(name);
        TestMerges.merge(recipe + "dtype: float32\n", golden, tmp.resolve("f32"));
        TestMerges.merge(recipe + "out_dtype: float16\n", golden, tmp.resolve("f16"));
        for (String t : List.of("model.embed_tokens.weight", "model.layers.2.mlp.up_proj.weight",
                "model.layers.3.input_layernorm.weight")) {
            float[] wide = TestMerges.read(tmp.resolve("f32"), t);
            float[] half = TestMerges.read(tmp.resolve("f16"), t);
            for (int i = 0; i < wide.length; i++) {
                float rounded = Conversions.f16ToFloat(Conversions.floatToF16(wide[i]));
                assertThat(half[i]).as("%s[%d]", t, i).isEqualTo(rounded);
            }
        }
    }
}
