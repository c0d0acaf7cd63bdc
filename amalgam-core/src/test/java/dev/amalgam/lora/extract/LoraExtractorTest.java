package dev.amalgam.lora.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.lora.extract.ModuleReport.Kind;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lora extract}: a fine-tune built as base + B·A of known rank is recovered at that rank to float tolerance
 * (exact and randomized SVD); on a designed spectrum the reported error is the one the singular values predict and
 * {@code --energy} picks the right rank; the written adapter, applied with {@code model+lora}, reproduces the
 * fine-tune within the reported error; embeddings, norms, tied heads and vocabulary changes are handled.
 */
class LoraExtractorTest {
    private static final String UP0 = "model.layers.0.mlp.up_proj";
    private static final String UP1 = "model.layers.1.mlp.up_proj";
    /** Singular values of the designed delta on UP1 (σ² = 64, 16, 4, 1, 0.25). */
    private static final double[] SIGMA = {8, 4, 2, 1, 0.5};
    private static final Consumer<String> QUIET = w -> { };

    @TempDir
    Path tmp;
    private final Map<String, float[]> ftValues = new HashMap<>();
    private float[] lowRankDelta;

    private static float base(String name, int i) {
        long h = (name.hashCode() * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L) >>> 40;
        return (h % 2000) / 1000f - 1f;
    }

    private TinyModel model() {
        return TinyModel.llama(2).with(UP0 + ".weight", DType.F32, 48, 32).with(UP1 + ".weight", DType.F32, 40, 30)
                .with(UP0 + ".bias", DType.F32, 48);
    }

    @BeforeEach
    void models() throws Exception {
        model().fill(LoraExtractorTest::base).write(tmp.resolve("base"));
        // UP0: a rank-3 update B·A; UP1: a permuted diagonal with singular values SIGMA; bias and o_proj changed too
        lowRankDelta = new float[48 * 32];
        for (int o = 0; o < 48; o++) {
            for (int i = 0; i < 32; i++) {
                double d = 0;
                for (int k = 0; k < 3; k++) {
                    d += base("b", o * 3 + k) * base("a", k * 32 + i) * (0.5 + k);
                }
                lowRankDelta[o * 32 + i] = (float) (0.1 * d);
            }
        }
        put(UP0 + ".weight", 48 * 32, (i) -> base(UP0 + ".weight", i) + lowRankDelta[i]);
        put(UP1 + ".weight", 40 * 30, (i) -> base(UP1 + ".weight", i) + designed(i));
        put(UP0 + ".bias", 48, (i) -> base(UP0 + ".bias", i) + 0.01f * i);
        put("model.layers.0.self_attn.o_proj.weight", 16,
                (i) -> base("model.layers.0.self_attn.o_proj.weight", i) + (i % 5 == 0 ? 0.25f : 0f));
        model().fill(this::ft).write(tmp.resolve("ft"));
    }

    /** Element i of a 40×30 matrix with σ_j at (7j+3, 11j+1): its singular values are exactly SIGMA. */
    private static float designed(int i) {
        int row = i / 30;
        int col = i % 30;
        for (int j = 0; j < SIGMA.length; j++) {
            if (row == 7 * j + 3 && col == 11 * j % 30 + 1) {
                return (float) SIGMA[j];
            }
        }
        return 0;
    }

    private void put(String name, int n, java.util.function.IntFunction<Float> f) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = f.apply(i);
        }
        ftValues.put(name, v);
    }

    private float ft(String name, int i) {
        float[] v = ftValues.get(name);
        return v != null ? v[i] : base(name, i);
    }

    private ExtractOptions exact() {
        return ExtractOptions.defaults().withSvd(TruncatedSvdOptions.exact());
    }

    private ModuleReport report(LoraExtractor.Result r, String module) {
        return r.modules().stream().filter(m -> m.module().equals(module)).findFirst().orElseThrow();
    }

    private LoraExtractor.Result extract(ExtractOptions o, String out) {
        return LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("base"), tmp.resolve(out), o, false, "test", QUIET);
    }

    /** Applies the adapter in {@code dir} to base with model+lora and returns the max relative error per tensor. */
    private double applyError(String dir, String tensor) {
        Path out = tmp.resolve("applied-" + dir);
        if (!Files.exists(out)) {
            TestMerges.merge("merge_method: passthrough\nmodels:\n  - model: base+" + dir + "\n", tmp, out);
        }
        float[] got = TestMerges.read(out, tensor);
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            double want = ft(tensor, i);
            double wantDelta = want - base(tensor, i);
            num += (got[i] - want) * (got[i] - want);
            den += wantDelta * wantDelta;
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    @Test
    void knownRankIsRecoveredExactlyAndRandomized() throws Exception {
        for (var svd : List.of(TruncatedSvdOptions.exact(),
                TruncatedSvdOptions.defaults(3).withMode(TruncatedSvdOptions.Mode.RANDOMIZED))) {
            String out = "lora-" + svd.mode();
            LoraExtractor.Result r = extract(ExtractOptions.defaults().withSvd(svd).withMaxRank(3), out);
            ModuleReport up = report(r, UP0);
            assertThat(up.kind()).isEqualTo(Kind.LORA);
            assertThat(up.rank()).isEqualTo(3);
            assertThat(up.measuredErr()).as("%s", svd.mode()).isLessThan(1e-5);
            assertThat(up.energy()).isCloseTo(1, within(1e-9));
            assertThat(applyError(out, UP0 + ".weight")).isLessThan(1e-5);
            // the bias delta travels as lora_B.bias
            assertThat(applyError(out, UP0 + ".bias")).isLessThan(1e-6);
        }
    }

    @Test
    void truncatedRankReportsThePredictedErrorAndApplyMatchesIt() throws Exception {
        LoraExtractor.Result r = extract(exact().withMaxRank(2), "r2");
        ModuleReport m = report(r, UP1);
        double total = 85.25;
        double predicted = Math.sqrt((4 + 1 + 0.25) / total);
        assertThat(m.rank()).isEqualTo(2);
        assertThat(m.energy()).isCloseTo(80 / total, within(1e-7));
        assertThat(m.predictedErr()).isCloseTo(predicted, within(1e-7));
        assertThat(m.measuredErr()).isCloseTo(predicted, within(1e-6));
        assertThat(applyError("r2", UP1 + ".weight")).isCloseTo(predicted, within(1e-5));
        assertThat(Files.readString(tmp.resolve("r2/README.md"))).contains(UP1).contains("0.938");
    }

    @Test
    void energyPicksTheSmallestSufficientRank() {
        // cumulative σ²/Σσ²: 0.751, 0.938, 0.985, 0.997, 1
        for (double[] c : new double[][]{{0.99, 4}, {0.98, 3}, {0.75, 1}, {0.76, 2}, {1.0, 5}}) {
            LoraExtractor.Result r = extract(exact().withEnergy(c[0]), "e" + c[0]);
            assertThat(report(r, UP1).rank()).as("energy %s", c[0]).isEqualTo((int) c[1]);
        }
    }

    @Test
    void fullRankReproducesTheFineTune() throws Exception {
        LoraExtractor.Result r = extract(exact().withMaxRank(64), "full");
        assertThat(report(r, UP0).measuredErr()).isLessThan(1e-6);
        assertThat(report(r, UP1).measuredErr()).isLessThan(1e-6);
        assertThat(applyError("full", UP1 + ".weight")).isLessThan(1e-6);
        assertThat(applyError("full", "model.layers.0.self_attn.o_proj.weight")).isLessThan(1e-6);
        JsonNode cfg = Json.MAPPER.readTree(Files.readString(tmp.resolve("full/adapter_config.json")));
        // full rank: UP0 (48×32) has rank 32, the largest; UP1 (40×30) 30 and o_proj (4×4) 4 get patterns, scale 1
        assertThat(report(r, UP0).rank()).isEqualTo(32);
        assertThat(cfg.get("r").asInt()).isEqualTo(32);
        assertThat(cfg.get("lora_alpha").asInt()).isEqualTo(32);
        assertThat(cfg.get("rank_pattern").get(UP1).asInt()).isEqualTo(30);
        assertThat(cfg.get("alpha_pattern").get(UP1).asInt()).isEqualTo(30);
        assertThat(cfg.get("rank_pattern").get("model.layers.0.self_attn.o_proj").asInt()).isEqualTo(4);
        assertThat(cfg.get("rank_pattern").has(UP0)).isFalse();
        assertThat(cfg.get("lora_bias").asBoolean()).isTrue();
    }

    @Test
    void embeddingsAndNormsAreSavedWholeOrDecomposed() throws Exception {
        put("model.embed_tokens.weight", 32, i -> base("model.embed_tokens.weight", i) + (i % 3 == 0 ? 0.5f : 0));
        put("model.norm.weight", 4, i -> base("model.norm.weight", i) + 0.1f);
        model().fill(this::ft).write(tmp.resolve("ft"));
        LoraExtractor.Result r = extract(exact().withMaxRank(8), "whole");
        assertThat(report(r, "model.embed_tokens").kind()).isEqualTo(Kind.FULL);
        assertThat(report(r, "model.norm").kind()).isEqualTo(Kind.FULL);
        JsonNode cfg = Json.MAPPER.readTree(Files.readString(tmp.resolve("whole/adapter_config.json")));
        assertThat(cfg.get("modules_to_save").toString()).contains("model.embed_tokens").contains("model.norm");
        assertThat(applyError("whole", "model.embed_tokens.weight")).isZero();
        assertThat(applyError("whole", "model.norm.weight")).isZero();

        LoraExtractor.Result e = LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("base"), tmp.resolve("emb"),
                exact().withMaxRank(8).withEmbedLora(true), false, null, QUIET);
        assertThat(report(e, "model.embed_tokens").kind()).isEqualTo(Kind.EMBEDDING_LORA);
        assertThat(applyError("emb", "model.embed_tokens.weight")).isLessThan(1e-6);

        ExtractOptions skip = new ExtractOptions(8, true, false, List.of(), List.of(), List.of(), 0, true, null,
                TruncatedSvdOptions.exact(), null);
        LoraExtractor.Result s = LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("base"), tmp.resolve("skip"), skip,
                false, null, QUIET);
        assertThat(report(s, "model.norm").kind()).isEqualTo(Kind.SKIPPED);
    }

    @Test
    void tiedHeadAndResizedVocabulary() throws Exception {
        // the fine-tune ties its head (no lm_head) while the base has one: the head's delta is ft embedding − base head
        TinyModel.llama(2).with(UP0 + ".weight", DType.F32, 48, 32).with(UP1 + ".weight", DType.F32, 40, 30)
                .with(UP0 + ".bias", DType.F32, 48).without("lm_head.weight").fill(this::ft).write(tmp.resolve("ft"));
        LoraExtractor.Result r = extract(exact().withMaxRank(8), "tied");
        assertThat(report(r, "lm_head").kind()).isEqualTo(Kind.FULL);
        TestMerges.merge("merge_method: passthrough\nmodels:\n  - model: base+tied\n", tmp, tmp.resolve("applied"));
        float[] head = TestMerges.read(tmp.resolve("applied"), "lm_head.weight");
        for (int i = 0; i < head.length; i++) {
            assertThat(head[i]).isEqualTo(ft("model.embed_tokens.weight", i));
        }
        // a resized vocabulary forces the embedding whole, with a warning in the card
        TinyModel.llama(2).with(UP0 + ".weight", DType.F32, 48, 32).with(UP1 + ".weight", DType.F32, 40, 30)
                .with(UP0 + ".bias", DType.F32, 48).with("model.embed_tokens.weight", DType.F32, 10, 4)
                .fill(this::ft).write(tmp.resolve("ft"));
        LoraExtractor.Result v = LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("base"), tmp.resolve("vocab"),
                exact().withMaxRank(8).withEmbedLora(true), false, null, QUIET);
        assertThat(report(v, "model.embed_tokens").kind()).isEqualTo(Kind.FULL);
        assertThat(report(v, "model.embed_tokens").note()).contains("vocabulary size differs");
        assertThat(Files.readString(tmp.resolve("vocab/README.md"))).contains("resize");
    }

    @Test
    void conv1dWeightsOfGpt2AreExtractedWithFanInFanOut() throws Exception {
        // GPT-2's Conv1D stores (in, out): the adapter must say fan_in_fan_out and A/B must be (r, in)/(out, r)
        String cfc = "model.layers.0.mlp.c_fc";
        put(cfc + ".weight", 16 * 24, i -> base(cfc + ".weight", i) + 0.05f * (i % 24) * ((i / 24) % 4 - 1.5f));
        model().with(cfc + ".weight", DType.F32, 16, 24).fill(this::ft).write(tmp.resolve("ft"));
        model().with(cfc + ".weight", DType.F32, 16, 24).fill(LoraExtractorTest::base).write(tmp.resolve("base"));
        for (String m : new String[]{"ft", "base"}) {
            Path cfg = tmp.resolve(m).resolve("config.json");
            Files.writeString(cfg, Files.readString(cfg).replace("\"llama\"", "\"gpt2\""));
        }
        LoraExtractor.Result r = extract(exact().withMaxRank(8).withEnergy(0.9999), "gpt2");
        assertThat(report(r, cfc).rank()).isEqualTo(1);
        JsonNode cfg = Json.MAPPER.readTree(Files.readString(tmp.resolve("gpt2/adapter_config.json")));
        assertThat(cfg.get("fan_in_fan_out").asBoolean()).isTrue();
        var f = dev.amalgam.io.peft.LoadedAdapter.read(tmp.resolve("gpt2")).modules().get(cfc);
        assertThat(f.out()).isEqualTo(24);
        assertThat(f.in()).isEqualTo(16);
        assertThat(applyError("gpt2", cfc + ".weight")).isLessThan(1e-5);
    }

    @Test
    void regexFiltersAndSaveModule() {
        ExtractOptions o = new ExtractOptions(8, true, false, List.of("o_proj"), List.of("layers\\.0"),
                List.of("bias"), 0, false, null, TruncatedSvdOptions.exact(), null);
        LoraExtractor.Result r = extract(o, "filtered");
        assertThat(report(r, UP1).kind()).isEqualTo(Kind.SKIPPED);
        assertThat(report(r, UP0).kind()).isEqualTo(Kind.LORA);
        assertThat(report(r, "model.layers.0.self_attn.o_proj").kind()).isEqualTo(Kind.FULL);
    }

    @Test
    void badInputsGetClearErrors() throws Exception {
        assertThatThrownBy(() -> extract(exact().withMaxRank(0), "x")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--max-rank");
        assertThatThrownBy(() -> extract(exact().withEnergy(1.5), "x")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--energy");
        ExtractOptions badRegex = new ExtractOptions(8, true, false, List.of(), List.of("("), List.of(), 0, false,
                null, TruncatedSvdOptions.exact(), null);
        assertThatThrownBy(() -> extract(badRegex, "x")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--include-regex");
        TinyModel.llama(1).fill(LoraExtractorTest::base).write(tmp.resolve("other"));
        assertThatThrownBy(() -> LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("other"), tmp.resolve("x"),
                exact(), false, null, QUIET)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("but the base").hasMessageContaining("same model");
        TinyModel.llama(2).with(UP0 + ".weight", DType.F32, 32, 48).with(UP1 + ".weight", DType.F32, 40, 30)
                .with(UP0 + ".bias", DType.F32, 48).fill(LoraExtractorTest::base).write(tmp.resolve("shape"));
        assertThatThrownBy(() -> LoraExtractor.run(tmp.resolve("ft"), tmp.resolve("shape"), tmp.resolve("x"),
                exact(), false, null, QUIET)).isInstanceOf(BadInputException.class).hasMessageContaining("[48, 32]");
        assertThat(tmp.resolve("x")).doesNotExist();
        extract(exact().withMaxRank(2), "exists");
        assertThatThrownBy(() -> extract(exact(), "exists")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("already exists");
    }
}
