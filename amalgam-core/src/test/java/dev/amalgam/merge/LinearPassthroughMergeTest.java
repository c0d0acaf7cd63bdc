package dev.amalgam.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.ConfigException;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linear and passthrough recipes on hand-made models, checked against values computed by hand. */
class LinearPassthroughMergeTest {
    @TempDir
    Path tmp;

    /** Model "a": every element of every tensor is 1 + i/100; "b": 2 − i/50 (so results are easy to compute). */
    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(3).fill((n, i) -> 1f + i / 100f).write(tmp.resolve("a"));
        TinyModel.llama(3).fill((n, i) -> 2f - i / 50f).write(tmp.resolve("b"));
    }

    private static float a(int i) {
        return 1f + i / 100f;
    }

    private static float b(int i) {
        return 2f - i / 50f;
    }

    @Test
    void negativeWeightsWithoutNormalizeSubtractAModel() {
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1.5}
                  - model: b
                    parameters: {weight: -0.5}
                parameters:
                  normalize: false
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), "model.layers.1.self_attn.o_proj.weight");
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).as("element %d", i).isCloseTo(1.5f * a(i) - 0.5f * b(i), within(1e-6f));
        }
    }

    @Test
    void normalizeDividesByTheWeightSum() {
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 3}
                  - model: b
                    parameters: {weight: 1}
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), "model.embed_tokens.weight");
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo((3 * a(i) + b(i)) / 4f, within(1e-6f));
        }
    }

    @Test
    void weightGradientInterpolatesAcrossLayers() {
        // weight of a goes 0 -> 1 over the 3 layers (t = 0, 0.5, 1); b has the complement; embeddings use t = 0
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: [0, 1]}
                  - model: b
                    parameters: {weight: [1, 0]}
                """, tmp, tmp.resolve("out"));
        Path out = tmp.resolve("out");
        assertThat(TestMerges.read(out, "model.layers.0.mlp.down_proj.weight")[3]).isCloseTo(b(3), within(1e-6f));
        assertThat(TestMerges.read(out, "model.layers.1.mlp.down_proj.weight")[3])
                .isCloseTo(0.5f * a(3) + 0.5f * b(3), within(1e-6f));
        assertThat(TestMerges.read(out, "model.layers.2.mlp.down_proj.weight")[3]).isCloseTo(a(3), within(1e-6f));
        assertThat(TestMerges.read(out, "lm_head.weight")[5]).isCloseTo(b(5), within(1e-6f));
    }

    @Test
    void weightsSummingToZeroWithNormalizeAreRejectedBeforeWork() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: b
                    parameters: {weight: -1}
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sum to zero").hasMessageContaining("normalize: false");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void missingWeightNamesTheModel() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: b
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required parameter 'weight'").hasMessageContaining("'b'");
    }

    @Test
    void frankenmergeFromTwoModelsRenumbersLayersAndScalesByFilter() throws Exception {
        TestMerges.merge("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 2]
                  - sources:
                      - model: b
                        layer_range: [1, 3]
                        parameters:
                          scale:
                            - filter: o_proj
                              value: 0.5
                            - value: 1
                """, tmp, tmp.resolve("out"));
        Path out = tmp.resolve("out");
        // output layers 0,1 = a's 0,1; output layers 2,3 = b's 1,2 with o_proj halved
        assertThat(TestMerges.read(out, "model.layers.1.self_attn.o_proj.weight")[7]).isEqualTo(a(7));
        assertThat(TestMerges.read(out, "model.layers.2.self_attn.o_proj.weight")[7]).isEqualTo(0.5f * b(7));
        assertThat(TestMerges.read(out, "model.layers.3.mlp.down_proj.weight")[7]).isEqualTo(b(7));
        // pre-weights from the first slice (a), post-weights from the last slice (b)
        assertThat(TestMerges.read(out, "model.embed_tokens.weight")[2]).isEqualTo(a(2));
        assertThat(TestMerges.read(out, "lm_head.weight")[2]).isEqualTo(b(2));
        assertThat(TestMerges.read(out, "model.norm.weight")[2]).isEqualTo(b(2));
        var cfg = Json.MAPPER.readTree(Files.readString(out.resolve("config.json")));
        assertThat(cfg.get("num_hidden_layers").asInt()).isEqualTo(4);
        try (var m = dev.amalgam.io.model.ModelFolder.open(out)) {
            assertThat(m.tensors().keySet()).filteredOn(n -> n.startsWith("model.layers."))
                    .hasSize(12).allMatch(n -> n.matches("model\\.layers\\.[0-3]\\..*"));
        }
    }

    @Test
    void mixedInputDtypesPromoteToFloat32WithoutADtype() throws Exception {
        TinyModel.llama(3).dtype(DType.BF16).fill((n, i) -> 0.5f + i / 64f).write(tmp.resolve("c"));
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: c
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out"));
        try (var m = dev.amalgam.io.model.ModelFolder.open(tmp.resolve("out"))) {
            assertThat(m.tensors().values()).allMatch(t -> t.info().dtype() == DType.F32);
        }
        float[] v = TestMerges.read(tmp.resolve("out"), "model.layers.0.self_attn.o_proj.weight");
        for (int i = 0; i < v.length; i++) {
            // 0.5 + i/64 is exact in bf16 for these i
            assertThat(v[i]).isCloseTo(0.5f * a(i) + 0.5f * (0.5f + i / 64f), within(1e-6f));
        }
    }

    @Test
    void outDtypeRoundsOnceToNearestEven() throws Exception {
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.25}
                  - model: b
                    parameters: {weight: 0.75}
                out_dtype: bfloat16
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), "model.layers.2.self_attn.o_proj.weight");
        for (int i = 0; i < v.length; i++) {
            float exact = (0.25f * a(i) + 0.75f * b(i)) / 1f;
            float expected = dev.amalgam.tensor.Conversions.bf16ToFloat(dev.amalgam.tensor.Conversions.floatToBf16(exact));
            assertThat(v[i]).isEqualTo(expected);
        }
        var cfg = Json.MAPPER.readTree(Files.readString(tmp.resolve("out/config.json")));
        assertThat(cfg.get("torch_dtype").asText()).isEqualTo("bfloat16");
    }

    @Test
    void tiedHeadIsReadFromTheEmbeddingOfAModelWithoutOne() throws Exception {
        TinyModel.llama(3).without("lm_head.weight").fill((n, i) -> n.contains("embed") ? 10f + i : 0f)
                .write(tmp.resolve("tied"));
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.5}
                  - model: tied
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out"));
        float[] head = TestMerges.read(tmp.resolve("out"), "lm_head.weight");
        assertThat(head[4]).isCloseTo(0.5f * a(4) + 0.5f * (10f + 4), within(1e-5f));
    }

    @Test
    void integerTensorsAreCopiedUnchanged() throws Exception {
        TinyModel.llama(3).with("model.position_ids", DType.I64, 1, 6).fill((n, i) -> i)
                .write(tmp.resolve("p1"));
        TinyModel.llama(3).with("model.position_ids", DType.I64, 1, 6).fill((n, i) -> i)
                .write(tmp.resolve("p2"));
        TestMerges.merge("""
                merge_method: linear
                models:
                  - model: p1
                    parameters: {weight: 0.5}
                  - model: p2
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out"));
        try (var m = dev.amalgam.io.model.ModelFolder.open(tmp.resolve("out"))) {
            var t = m.tensor("model.position_ids").orElseThrow();
            assertThat(t.info().dtype()).isEqualTo(DType.I64);
            var seg = m.bytes(t);
            for (int i = 0; i < 6; i++) {
                assertThat(seg.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 8L * i)).isEqualTo(i);
            }
        }
    }

    @Test
    void smallShardSizeSplitsIntoIndexedShardsAndThreadCountDoesNotChangeBytes() throws Exception {
        String recipe = """
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 0.7}
                  - model: b
                    parameters: {weight: 0.3}
                """;
        TestMerges.merge(recipe, tmp, tmp.resolve("one"), 1, 200);
        TestMerges.merge(recipe, tmp, tmp.resolve("four"), 4, 200);
        Path index = tmp.resolve("one/model.safetensors.index.json");
        assertThat(index).exists();
        assertThat(tmp.resolve("one/model.safetensors")).doesNotExist();
        var idx = Json.MAPPER.readTree(Files.readString(index));
        var shards = new java.util.TreeSet<String>();
        idx.get("weight_map").forEach(n -> shards.add(n.asText()));
        int n = shards.size();
        assertThat(n).isGreaterThan(1);
        assertThat(shards.first()).isEqualTo(String.format("model-00001-of-%05d.safetensors", n));
        // total_size is the sum of tensor bytes: 3 layers of 4+16+16 floats, 8x4 embed + 4 norm + 8x4 head
        assertThat(idx.get("metadata").get("total_size").asLong()).isEqualTo(4L * (3 * 36 + 32 + 4 + 32));
        for (String s : shards) {
            assertThat(tmp.resolve("four").resolve(s)).hasSameBinaryContentAs(tmp.resolve("one").resolve(s));
        }
        assertThat(TestMerges.read(tmp.resolve("one"), "model.layers.2.mlp.down_proj.weight")[9])
                .isCloseTo(0.7f * a(9) + 0.3f * b(9), within(1e-6f));
    }

    @Test
    void layerRangeBeyondTheModelIsRejectedWithItsYamlPath() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: passthrough
                slices:
                  - sources:
                      - model: a
                        layer_range: [0, 5]
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slices[0].sources[0]").hasMessageContaining("3 layers");
    }

    @Test
    void differentShapesAreNamedWithBothShapes() throws Exception {
        TinyModel.llama(3).with("model.layers.0.mlp.down_proj.weight", DType.F32, 4, 5).write(tmp.resolve("odd"));
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1}
                  - model: odd
                    parameters: {weight: 1}
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.layers.0.mlp.down_proj.weight")
                .hasMessageContaining("[4, 4]").hasMessageContaining("[4, 5]");
    }

    @Test
    void passthroughWithTwoModelsPerSliceIsRejected() {
        assertThatThrownBy(() -> TestMerges.merge("""
                merge_method: passthrough
                models:
                  - model: a
                  - model: b
                """, tmp, tmp.resolve("out")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("passthrough takes exactly 1");
    }

    @Test
    void unknownParameterIsWarnedWithASuggestion() {
        List<String> warnings = TestMerges.merge("""
                merge_method: linear
                models:
                  - model: a
                    parameters: {weight: 1, wieght: 2}
                """, tmp, tmp.resolve("out"));
        assertThat(warnings).anyMatch(w -> w.contains("'wieght'") && w.contains("did you mean 'weight'"));
    }
}
