package dev.amalgam.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.ConfigException;
import dev.amalgam.merge.methods.ModelStockMerge;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.ArrayTensors;
import dev.amalgam.testing.ArrayTensors.Ctx;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interpolation and geometric methods through whole recipes: per-layer gradients and filters, the base-model
 * rules checked before any work, and embedding-size rectification (compat.md §1.0 item 8).
 */
class GeometricRecipeTest {
    @TempDir
    Path tmp;

    /** "a": element i of every tensor is 1 + i/100; "b": orthogonal-ish 2 − i/50 with alternating sign. */
    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(3).fill((n, i) -> 1f + i / 100f).write(tmp.resolve("a"));
        TinyModel.llama(3).fill((n, i) -> (i % 2 == 0 ? 1 : -1) * (2f - i / 50f)).write(tmp.resolve("b"));
        TinyModel.llama(3).fill((n, i) -> 1f + i / 100f + (i % 3 == 0 ? 0.01f : -0.02f)).write(tmp.resolve("c"));
    }

    @Test
    void slerpGradientWithFiltersReachesBothEndpoints() {
        List<String> warnings = TestMerges.merge("""
                merge_method: slerp
                base_model: a
                models:
                  - model: a
                  - model: b
                parameters:
                  t:
                    - filter: self_attn
                      value: [0, 1]
                    - filter: mlp
                      value: [1, 0]
                    - value: 0.5
                """, tmp, tmp.resolve("out"));
        Path out = tmp.resolve("out");
        float[] a = TestMerges.read(tmp.resolve("a"), "model.layers.0.self_attn.o_proj.weight");
        float[] b = TestMerges.read(tmp.resolve("b"), "model.layers.0.self_attn.o_proj.weight");
        // layer 0 of 3: self_attn t = 0 -> a; mlp t = 1 -> b; layer 2 the other way round
        assertThat(TestMerges.read(out, "model.layers.0.self_attn.o_proj.weight")).containsExactly(a);
        assertThat(TestMerges.read(out, "model.layers.0.mlp.down_proj.weight")).containsExactly(b);
        assertThat(TestMerges.read(out, "model.layers.2.self_attn.o_proj.weight")).containsExactly(b);
        assertThat(TestMerges.read(out, "model.layers.2.mlp.down_proj.weight")).containsExactly(a);
        // layer 1: t = 0.5 strictly between, so neither endpoint
        float[] mid = TestMerges.read(out, "model.layers.1.self_attn.o_proj.weight");
        assertThat(mid[0]).isNotEqualTo(a[0]).isNotEqualTo(b[0]);
        assertThat(warnings).noneMatch(w -> w.contains("not used"));
    }

    @Test
    void slerpWithoutABaseModelIsRejectedBeforeWork() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: slerp
                models:
                  - model: a
                  - model: b
                parameters: {t: 0.5}
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("slerp needs a base_model");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void nuslerpBaseAmongTheTwoModelsIsRejected() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: nuslerp
                base_model: a
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: b
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("base can not be one of the two models");
    }

    @Test
    void nuslerpWeightGradientMovesBetweenTheModelsAcrossLayers() {
        TestMerges.merge("""
                merge_method: nuslerp
                models:
                  - model: a
                    parameters: {weight: [1, 0]}
                  - model: b
                    parameters: {weight: [0, 1]}
                parameters:
                  nuslerp_flatten: false
                """, tmp, tmp.resolve("out"));
        Path out = tmp.resolve("out");
        String name = "model.layers.%d.mlp.down_proj.weight";
        assertThat(TestMerges.read(out, name.formatted(0)))
                .containsExactly(TestMerges.read(tmp.resolve("a"), name.formatted(0)), within(1e-6f));
        assertThat(TestMerges.read(out, name.formatted(2)))
                .containsExactly(TestMerges.read(tmp.resolve("b"), name.formatted(2)), within(1e-6f));
    }

    @Test
    void modelStockFilterWiseIsAPerTensorParameterWithFilters() throws Exception {
        TinyModel.llama(3).fill((n, i) -> 1f + i / 100f + 0.03f * (i % 4 == 1 ? 1 : -0.5f)).write(tmp.resolve("d"));
        TestMerges.merge("""
                merge_method: model_stock
                base_model: a
                models:
                  - model: c
                  - model: d
                parameters:
                  filter_wise:
                    - filter: mlp
                      value: true
                    - value: false
                """, tmp, tmp.resolve("out"));
        // the filter reaches the method: mlp is merged row by row, o_proj as one vector
        for (String name : new String[]{"model.layers.0.mlp.down_proj.weight", "model.layers.0.self_attn.o_proj.weight"}) {
            float[] a = TestMerges.read(tmp.resolve("a"), name);
            float[] c = TestMerges.read(tmp.resolve("c"), name);
            float[] d = TestMerges.read(tmp.resolve("d"), name);
            long[] shape = {4, 4};
            float[] rows = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0).global("filter_wise", 1),
                    shape, a, c, d);
            float[] whole = ArrayTensors.merge(new ModelStockMerge(), new Ctx(3).base(0), shape, a, c, d);
            assertThat(rows).isNotEqualTo(whole);
            assertThat(TestMerges.read(tmp.resolve("out"), name)).containsExactly(name.contains("mlp") ? rows : whole);
        }
    }

    @Test
    void embeddingsOfDifferentVocabularySizesAreTruncatedForSlerpAndKarcher() throws Exception {
        TinyModel.llama(3).fill((n, i) -> 1f - i / 70f).with("model.embed_tokens.weight", DType.F32, 10, 4)
                .with("lm_head.weight", DType.F32, 10, 4).write(tmp.resolve("big"));
        for (String method : new String[]{"slerp", "karcher"}) {
            Path out = tmp.resolve("out-" + method);
            List<String> warnings = TestMerges.merge("""
                    merge_method: %s
                    base_model: a
                    models:
                      - model: a
                      - model: big
                    parameters: {t: 0}
                    """.formatted(method), tmp, out);
            assertThat(warnings).anyMatch(w -> w.contains("model.embed_tokens.weight") && w.contains("truncated"));
            float[] e = TestMerges.read(out, "model.embed_tokens.weight");
            assertThat(e).hasSize(8 * 4);
            if (method.equals("slerp")) {
                assertThat(e).containsExactly(TestMerges.read(tmp.resolve("a"), "model.embed_tokens.weight"));
            }
        }
    }

    @Test
    void multislerpRejectsEmbeddingsOfDifferentSizesClearly() throws Exception {
        TinyModel.llama(3).fill((n, i) -> 1f - i / 70f).with("model.embed_tokens.weight", DType.F32, 10, 4)
                .write(tmp.resolve("big"));
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: multislerp
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: big
                    parameters: {weight: 1}
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model.embed_tokens.weight")
                .hasMessageContaining("different shapes");
    }

    @Test
    void nearswapAndRamRunFromRecipes() {
        TestMerges.merge("""
                merge_method: nearswap
                base_model: a
                models:
                  - model: c
                parameters: {t: 0.015}
                """, tmp, tmp.resolve("ns"));
        float[] a = TestMerges.read(tmp.resolve("a"), "model.norm.weight");
        float[] c = TestMerges.read(tmp.resolve("c"), "model.norm.weight");
        float[] ns = TestMerges.read(tmp.resolve("ns"), "model.norm.weight");
        // |a − c| = 0.01 (i % 3 == 0) is within t -> swapped; 0.02 -> blended with w = 0.75
        assertThat(ns[0]).isCloseTo(c[0], within(1e-6f));
        assertThat(ns[1]).isCloseTo(0.75f * c[1] + 0.25f * a[1], within(1e-6f));

        TestMerges.merge("""
                merge_method: ram
                base_model: a
                models:
                  - model: b
                  - model: c
                """, tmp, tmp.resolve("ram"));
        float[] b = TestMerges.read(tmp.resolve("b"), "model.norm.weight");
        float[] ram = TestMerges.read(tmp.resolve("ram"), "model.norm.weight");
        assertThat(ram[1]).isCloseTo(a[1] + ((b[1] - a[1]) + (c[1] - a[1])) / 2, within(1e-6f));
    }

    @Test
    void theMethodsAreRegisteredUnderTheirMergekitNames() {
        for (String name : new String[]{"slerp", "nuslerp", "multislerp", "karcher", "model_stock", "nearswap",
                "arcee_fusion", "ram", "ramplus_tl"}) {
            assertThat(MethodRegistry.find(name)).as(name).get().extracting(m -> m.info().name()).isEqualTo(name);
            assertThat(MethodRegistry.unknownMessage(name + "x", "")).as(name).doesNotContain("does not implement");
        }
        assertThat(MethodRegistry.unknownMessage("nu_slerp", "")).contains("Did you mean 'nuslerp'?");
        assertThat(MethodRegistry.find("arcee_fusion").orElseThrow().info().random()).isTrue();
    }

    @Test
    void arceeFusionOnALargeTensorIsIdenticalForAnyThreadCount() throws Exception {
        // a 1100×1000 embedding: more than 10⁶ elements, so the quantiles come from the seeded subsample
        TinyModel.llama(1).fill((n, i) -> (float) Math.sin(i * 0.37)).with("model.embed_tokens.weight", DType.F32,
                1100, 1000).write(tmp.resolve("p"));
        // Gaussian changes (a periodic one would have no outliers above the fence)
        TinyModel.llama(1).fill((n, i) -> (float) (Math.sin(i * 0.37) + 0.05 * new java.util.SplittableRandom(i)
                        .nextGaussian()))
                .with("model.embed_tokens.weight", DType.F32, 1100, 1000).write(tmp.resolve("q"));
        String recipe = """
                merge_method: arcee_fusion
                base_model: p
                models:
                  - model: p
                  - model: q
                """;
        TestMerges.merge(recipe, tmp, tmp.resolve("one"), 1, dev.amalgam.exec.ExecutionOptions.DEFAULT_SHARD_BYTES);
        TestMerges.merge(recipe, tmp, tmp.resolve("four"), 4, 1_000_000);
        float[] one = TestMerges.read(tmp.resolve("one"), "model.embed_tokens.weight");
        float[] four = TestMerges.read(tmp.resolve("four"), "model.embed_tokens.weight");
        ArrayTensors.assertAllClose(four, one, 0);
        float[] p = TestMerges.read(tmp.resolve("p"), "model.embed_tokens.weight");
        int kept = 0;
        for (int i = 0; i < one.length; i++) {
            kept += one[i] != p[i] ? 1 : 0;
        }
        assertThat(kept).isPositive().isLessThan(one.length / 5);
    }

    @Test
    void slerpOfBf16ModelsKeepsBf16AndItsEndpointsExactly() throws Exception {
        TinyModel.llama(3).dtype(DType.BF16).fill((n, i) -> 1f + i / 100f).write(tmp.resolve("a16"));
        TinyModel.llama(3).dtype(DType.BF16).fill((n, i) -> (i % 2 == 0 ? 1 : -1) * (2f - i / 50f))
                .write(tmp.resolve("b16"));
        TestMerges.merge("""
                merge_method: slerp
                base_model: a16
                models:
                  - model: a16
                  - model: b16
                parameters:
                  t: [0, 1]
                """, tmp, tmp.resolve("out"));
        String name = "model.layers.%d.mlp.down_proj.weight";
        try (var m = dev.amalgam.io.model.ModelFolder.open(tmp.resolve("out"))) {
            assertThat(m.tensor(name.formatted(1)).orElseThrow().info().dtype()).isEqualTo(DType.BF16);
        }
        assertThat(TestMerges.read(tmp.resolve("out"), name.formatted(0)))
                .containsExactly(TestMerges.read(tmp.resolve("a16"), name.formatted(0)));
        assertThat(TestMerges.read(tmp.resolve("out"), name.formatted(2)))
                .containsExactly(TestMerges.read(tmp.resolve("b16"), name.formatted(2)));
    }
}
