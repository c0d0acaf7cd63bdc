package dev.amalgam.io.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.BadInputException;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyAdapter;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model+lora} in recipes: the adapter's update is applied while reading, and the result equals
 * W + s·B·A computed independently here (in double) for Linear, Conv1D (fan_in_fan_out) and embedding modules,
 * with rsLoRA, rank/alpha patterns, DoRA and modules_to_save.
 */
class LoraApplyTest {
    @TempDir
    Path tmp;

    private static float base(String name, int i) {
        return 0.5f + (name.hashCode() % 7) * 0.01f + i * 0.003f;
    }

    @BeforeEach
    void baseModel() throws Exception {
        TinyModel.llama(2).with("model.layers.0.mlp.c_fc.weight", DType.F32, 4, 6)
                .with("model.layers.0.self_attn.o_proj.bias", DType.F32, 4)
                .fill(LoraApplyTest::base).write(tmp.resolve("base"));
    }

    private static String bake(String adapter) {
        return "merge_method: passthrough\nmodels:\n  - model: base+" + adapter + "\n";
    }

    /** Independent reference: base (rows × cols) plus s·B·A in the given orientation. */
    private static double[] expected(String name, int rows, int cols, float[] a, float[] b, int r, double s,
                                     String layout) {
        double[] out = new double[rows * cols];
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                int o = layout.equals("linear") ? row : col;
                int in = layout.equals("linear") ? col : row;
                int inDim = layout.equals("linear") ? cols : rows;
                double d = 0;
                for (int k = 0; k < r; k++) {
                    d += (double) b[o * r + k] * a[k * inDim + in];
                }
                out[row * cols + col] = base(name, row * cols + col) + s * d;
            }
        }
        return out;
    }

    private static void assertClose(float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-5));
        }
    }

    @Test
    void linearModuleGetsScaledLowRankUpdate() throws Exception {
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4}")
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        String name = "model.layers.0.self_attn.o_proj.weight";
        assertClose(TestMerges.read(tmp.resolve("out"), name), expected(name, 4, 4, a, b, 2, 4.0 / 2, "linear"));
        // untouched tensors are copied unchanged
        float[] other = TestMerges.read(tmp.resolve("out"), "model.layers.1.self_attn.o_proj.weight");
        assertThat(other[3]).isEqualTo(base("model.layers.1.self_attn.o_proj.weight", 3));
    }

    @Test
    void rsLoraAndRankAndAlphaPatterns() throws Exception {
        float[] a0 = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b0 = TinyAdapter.ramp(4 * 2, 0.3f);
        float[] a1 = TinyAdapter.ramp(3 * 4, 0.1f);
        float[] b1 = TinyAdapter.ramp(4 * 3, 0.4f);
        new TinyAdapter().config("""
                {"peft_type": "LORA", "r": 2, "lora_alpha": 4, "use_rslora": true,
                 "rank_pattern": {"layers.1.mlp.down_proj": 3}, "alpha_pattern": {"down_proj": 9}}""")
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a0, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b0, 4, 2)
                .tensor("model.layers.1.mlp.down_proj.lora_A.weight", a1, 3, 4)
                .tensor("model.layers.1.mlp.down_proj.lora_B.weight", b1, 4, 3).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        String o = "model.layers.0.self_attn.o_proj.weight";
        String d = "model.layers.1.mlp.down_proj.weight";
        assertClose(TestMerges.read(tmp.resolve("out"), o), expected(o, 4, 4, a0, b0, 2, 4 / Math.sqrt(2), "linear"));
        assertClose(TestMerges.read(tmp.resolve("out"), d), expected(d, 4, 4, a1, b1, 3, 9 / Math.sqrt(3), "linear"));
    }

    @Test
    void conv1dFanInFanOutLayout() throws Exception {
        // c_fc is stored (in=4, out=6) as GPT-2's Conv1D; A is (r, in), B is (out, r)
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(6 * 2, 0.3f);
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2, \"fan_in_fan_out\": true}")
                .tensor("model.layers.0.mlp.c_fc.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.mlp.c_fc.lora_B.weight", b, 6, 2).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        String name = "model.layers.0.mlp.c_fc.weight";
        assertClose(TestMerges.read(tmp.resolve("out"), name), expected(name, 4, 6, a, b, 2, 1.0, "transposed"));
    }

    @Test
    void embeddingModule() throws Exception {
        // embed_tokens is (num=8, dim=4); lora_embedding_A is (r, num), lora_embedding_B is (dim, r)
        float[] a = TinyAdapter.ramp(2 * 8, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        new TinyAdapter().tensor("model.embed_tokens.lora_embedding_A", a, 2, 8)
                .tensor("model.embed_tokens.lora_embedding_B", b, 4, 2).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        String name = "model.embed_tokens.weight";
        assertClose(TestMerges.read(tmp.resolve("out"), name), expected(name, 8, 4, a, b, 2, 2.0, "transposed"));
    }

    @Test
    void doraRescalesRowsToTheLearnedMagnitudes() throws Exception {
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        float[] m = {1.5f, 0.5f, 2f, 1f};
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"use_dora\": true}")
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2)
                .tensor("model.layers.0.self_attn.o_proj.lora_magnitude_vector", m, 4).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        String name = "model.layers.0.self_attn.o_proj.weight";
        double[] v = expected(name, 4, 4, a, b, 2, 2.0, "linear");
        for (int row = 0; row < 4; row++) {
            double sq = 0;
            for (int c = 0; c < 4; c++) {
                sq += v[row * 4 + c] * v[row * 4 + c];
            }
            for (int c = 0; c < 4; c++) {
                v[row * 4 + c] *= m[row] / Math.sqrt(sq);
            }
        }
        assertClose(TestMerges.read(tmp.resolve("out"), name), v);
    }

    @Test
    void modulesToSaveAndLoraBias() throws Exception {
        float[] head = TinyAdapter.ramp(8 * 4, 1f);
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        float[] bias = {1f, 2f, 3f, 4f};
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2, \"modules_to_save\": [\"lm_head\"]}")
                .tensor("lm_head.modules_to_save.weight", head, 8, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.bias", bias, 4).write(tmp.resolve("lora"));
        TestMerges.merge(bake("lora"), tmp, tmp.resolve("out"));
        assertThat(TestMerges.read(tmp.resolve("out"), "lm_head.weight")).containsExactly(head);
        float[] outBias = TestMerges.read(tmp.resolve("out"), "model.layers.0.self_attn.o_proj.bias");
        for (int i = 0; i < 4; i++) {
            assertThat(outBias[i]).isCloseTo(base("model.layers.0.self_attn.o_proj.bias", i) + bias[i], within(1e-6f));
        }
    }

    @Test
    void adapterModelsMergeLikeAnyOther() throws Exception {
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        new TinyAdapter().tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2).write(tmp.resolve("lora"));
        var warnings = TestMerges.merge("""
                merge_method: linear
                models:
                  - model: base+lora
                    parameters: {weight: 0.5}
                  - model: base
                    parameters: {weight: 0.5}
                """, tmp, tmp.resolve("out"));
        String name = "model.layers.0.self_attn.o_proj.weight";
        double[] full = expected(name, 4, 4, a, b, 2, 2.0, "linear");
        float[] got = TestMerges.read(tmp.resolve("out"), name);
        for (int i = 0; i < 16; i++) {
            assertThat((double) got[i]).isCloseTo(0.5 * full[i] + 0.5 * base(name, i), within(1e-5));
        }
        assertThat(Files.readString(tmp.resolve("out/README.md"))).contains("* base + lora");
        assertThat(warnings).noneMatch(w -> w.contains("listed twice"));
    }

    @Test
    void badAdaptersGetClearErrors() throws Exception {
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        new TinyAdapter().tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4).write(tmp.resolve("noB"));
        assertThatThrownBy(() -> TestMerges.merge(bake("noB"), tmp, tmp.resolve("o1")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("lora_A but no lora_B")
                .hasMessageContaining("model.layers.0.self_attn.o_proj");
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 4}")
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2).write(tmp.resolve("rank"));
        assertThatThrownBy(() -> TestMerges.merge(bake("rank"), tmp, tmp.resolve("o2")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("rank 2").hasMessageContaining("says 4");
        new TinyAdapter().tensor("model.layers.0.mlp.c_fc.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.mlp.c_fc.lora_B.weight", TinyAdapter.ramp(12, 0.1f), 6, 2)
                .write(tmp.resolve("shape"));
        assertThatThrownBy(() -> TestMerges.merge(bake("shape"), tmp, tmp.resolve("o3")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("fan_in_fan_out");
        new TinyAdapter().tensor("model.layers.7.q.lora_A.weight", a, 2, 4)
                .tensor("model.layers.7.q.lora_B.weight", b, 4, 2).write(tmp.resolve("other"));
        assertThatThrownBy(() -> TestMerges.merge(bake("other"), tmp, tmp.resolve("o4")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no tensor 'model.layers.7.q.weight'");
        new TinyAdapter().config("{\"peft_type\": \"IA3\", \"r\": 2, \"lora_alpha\": 4}").write(tmp.resolve("ia3"));
        assertThatThrownBy(() -> TestMerges.merge(bake("ia3"), tmp, tmp.resolve("o5")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("IA3");
        new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\"]}")
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2).write(tmp.resolve("targets"));
        assertThatThrownBy(() -> TestMerges.merge(bake("targets"), tmp, tmp.resolve("o6")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("target_modules [q_proj]")
                .hasMessageContaining("model.layers.0.self_attn.o_proj");
        assertThat(tmp.resolve("o1")).doesNotExist();
    }

    @Test
    void targetModulesAsSuffixListOrRegexAccept() throws Exception {
        float[] a = TinyAdapter.ramp(2 * 4, 0.2f);
        float[] b = TinyAdapter.ramp(4 * 2, 0.3f);
        for (String targets : new String[]{"[\"o_proj\", \"q_proj\"]", "\".*self_attn\\\\.(o|q)_proj\"",
                "\"all-linear\""}) {
            Path dir = tmp.resolve("t" + Integer.toHexString(targets.hashCode()));
            new TinyAdapter().config("{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": "
                            + targets + "}")
                    .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", a, 2, 4)
                    .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", b, 4, 2).write(dir);
            Path out = tmp.resolve("out-" + dir.getFileName());
            TestMerges.merge(bake(dir.getFileName().toString()), tmp, out);
            String name = "model.layers.0.self_attn.o_proj.weight";
            assertClose(TestMerges.read(out, name), expected(name, 4, 4, a, b, 2, 2.0, "linear"));
        }
    }
}
