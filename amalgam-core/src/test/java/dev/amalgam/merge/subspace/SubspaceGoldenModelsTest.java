package dev.amalgam.merge.subspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * End-to-end merges of the golden tiny models (base, ft_a, ft_b, ft_c) through each subspace method: every
 * tensor of the base is written with its shape and finite values, and chosen tensors equal the independent
 * float64 reference of {@link SubspaceReference} applied to the task vectors read from the input files.
 */
class SubspaceGoldenModelsTest {
    private static final String[] FT = {"ft_a", "ft_b", "ft_c"};
    private static final String Q = "model.layers.1.self_attn.q_proj.weight";      // 64x64
    private static final String DOWN = "model.layers.2.mlp.down_proj.weight";      // 64x128
    private static final String K = "model.layers.0.self_attn.k_proj.weight";      // 32x64
    private static final String NORM = "model.layers.0.input_layernorm.weight";    // 1-D
    private static final String EMBED = "model.embed_tokens.weight";               // embedding-like
    private static final String HEAD = "lm_head.weight";                           // embedding-like

    @TempDir
    Path tmp;

    static String recipe(String method, String params) {
        return """
                merge_method: %s
                base_model: ./models/base
                models:
                  - model: ./models/ft_a
                  - model: ./models/ft_b
                  - model: ./models/ft_c
                parameters:
                %s
                dtype: float32
                """.formatted(method, params.indent(2).stripTrailing());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tsv_m", "iso_c", "iso_cts", "cart", "magmax"})
    void mergesEveryTensorWithBaseShapesAndFiniteValues(String method) throws Exception {
        Path out = tmp.resolve(method);
        TestMerges.merge(recipe(method, "lambda: 0.8"), TestResources.golden(), out);
        Map<String, long[]> baseShapes = shapes(TestResources.golden().resolve("models/base"));
        Map<String, long[]> outShapes = shapes(out);
        assertThat(outShapes.keySet()).containsExactlyInAnyOrderElementsOf(baseShapes.keySet());
        for (var e : baseShapes.entrySet()) {
            assertThat(outShapes.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
            for (float v : TestMerges.read(out, e.getKey())) {
                assertThat(Float.isFinite(v)).as(e.getKey()).isTrue();
            }
        }
    }

    @Test
    void tsvMatchesReferenceOnGoldenTensors() {
        Path out = tmp.resolve("tsv");
        TestMerges.merge(recipe("tsv_m", "lambda: 0.8"), TestResources.golden(), out);
        for (String name : List.of(Q, DOWN, K)) {
            checkMatrix(out, name, 0.8, SubspaceReference.tsvM(tasks(name)));
        }
        for (String name : List.of(NORM, EMBED, HEAD)) {
            checkMean(out, name, 0.8);
        }
    }

    @Test
    void isoCMatchesReferenceOnGoldenTensors() {
        Path out = tmp.resolve("iso_c");
        TestMerges.merge(recipe("iso_c", "lambda: 1.5"), TestResources.golden(), out);
        for (String name : List.of(Q, DOWN)) {
            checkMatrix(out, name, 1.5, SubspaceReference.isoC(tasks(name)));
        }
        checkMean(out, NORM, 1.5);
        checkMean(out, EMBED, 1.5);
    }

    @Test
    void isoCtsMatchesReferenceOnGoldenTensors() {
        Path out = tmp.resolve("iso_cts");
        // r = 64, f = 0.8, T = 3: k0 = 51, round(13/3) = 4, so k = 52 and d = 4 (the task-specific path runs).
        TestMerges.merge(recipe("iso_cts", "lambda: 1.0\ncommon_space_fraction: 0.8"), TestResources.golden(), out);
        for (String name : List.of(Q, DOWN, K)) {
            checkMatrix(out, name, 1.0, SubspaceReference.isoCts(tasks(name), 0.8));
        }
        checkMean(out, HEAD, 1.0);
    }

    @Test
    void cartMatchesReferenceOnGoldenTensors() {
        Path out = tmp.resolve("cart");
        TestMerges.merge(recipe("cart", "lambda: 2.0\nrank_ratio: 0.12"), TestResources.golden(), out);
        for (String name : List.of(Q, DOWN)) {
            // the reference returns mean + λ·ΣLR_k(C_t), i.e. θ − θ₀; λ is inside it
            checkMatrix(out, name, 1.0, SubspaceReference.cart(tasks(name), 2.0, 0.12));
        }
        checkMean(out, NORM, 1.0); // θ_avg: no λ outside the low-rank path
        checkMean(out, EMBED, 1.0);
    }

    @Test
    void magmaxPicksTheLargestTaskEntry() {
        Path out = tmp.resolve("magmax");
        TestMerges.merge(recipe("magmax", "lambda: 0.5"), TestResources.golden(), out);
        for (String name : List.of(Q, NORM, EMBED)) {
            float[] base = TestMerges.read(TestResources.golden().resolve("models/base"), name);
            List<float[]> fts = new ArrayList<>();
            for (String f : FT) {
                fts.add(TestMerges.read(TestResources.golden().resolve("models/" + f), name));
            }
            float[] got = TestMerges.read(out, name);
            for (int i = 0; i < base.length; i++) {
                float best = 0;
                for (float[] ft : fts) {
                    float t = ft[i] - base[i];
                    if (Math.abs(t) >= Math.abs(best)) {
                        best = t;
                    }
                }
                assertThat(got[i]).as("%s[%d]", name, i).isEqualTo(base[i] + 0.5f * best);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tsv_m", "iso_c", "iso_cts", "cart", "magmax"})
    void needsABaseModel(String method) {
        String yaml = """
                merge_method: %s
                models:
                  - model: ./models/ft_a
                  - model: ./models/ft_b
                dtype: float32
                """.formatted(method);
        assertThatThrownBy(() -> TestMerges.plan(yaml, TestResources.golden()).close())
                .isInstanceOf(ConfigException.class).hasMessageContaining("base_model");
    }

    // ---- helpers ----

    static List<DMatrixRMaj> tasks(String name) {
        Path g = TestResources.golden();
        long[] shape = shapes(g.resolve("models/base")).get(name);
        float[] base = TestMerges.read(g.resolve("models/base"), name);
        List<DMatrixRMaj> out = new ArrayList<>();
        for (String f : FT) {
            float[] ft = TestMerges.read(g.resolve("models/" + f), name);
            double[] tau = new double[base.length];
            for (int i = 0; i < tau.length; i++) {
                tau[i] = (double) ft[i] - base[i];
            }
            out.add(SubspaceReference.m((int) shape[0], (int) shape[1], tau));
        }
        return out;
    }

    static void checkMatrix(Path out, String name, double lambda, DMatrixRMaj refDelta) {
        float[] base = TestMerges.read(TestResources.golden().resolve("models/base"), name);
        float[] got = TestMerges.read(out, name);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < base.length; i++) {
            double expected = base[i] + lambda * refDelta.data[i];
            worst = Math.max(worst, Math.abs(got[i] - expected));
            scale = Math.max(scale, Math.abs(lambda * refDelta.data[i]));
        }
        // float64 reference vs float32 output: within 1e-5 of the update's size (plus the output's rounding)
        assertThat(worst).as("%s: worst difference from the float64 reference", name)
                .isLessThan(1e-5 * scale + Math.ulp(4f));
        // and the update is not trivially zero
        double moved = 0;
        for (int i = 0; i < base.length; i++) {
            moved = Math.max(moved, Math.abs(got[i] - base[i]));
        }
        assertThat(moved).as(name + " moved").isGreaterThan(1e-4);
    }

    static void checkMean(Path out, String name, double lambda) {
        Path g = TestResources.golden();
        float[] base = TestMerges.read(g.resolve("models/base"), name);
        double[] sum = new double[base.length];
        for (String f : FT) {
            float[] ft = TestMerges.read(g.resolve("models/" + f), name);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += (double) ft[i] - base[i];
            }
        }
        float[] got = TestMerges.read(out, name);
        for (int i = 0; i < base.length; i++) {
            double delta = sum[i] / 3;
            double exact = base[i] + lambda * delta;
            // the method rounds the mean to float32 once (≤ ½ ulp), then θ₀ + λ·mean once (≤ ½ ulp)
            double bound = Math.ulp(got[i]) + Math.abs(lambda) * Math.ulp((float) delta);
            assertThat(Math.abs(got[i] - exact)).as("%s[%d]", name, i).isLessThanOrEqualTo(bound);
        }
    }

    static Map<String, long[]> shapes(Path dir) {
        Map<String, long[]> m = new LinkedHashMap<>();
        try (ModelFolder f = ModelFolder.open(dir)) {
            for (String n : f.tensors().keySet()) {
                TensorInfo info = f.tensor(n).orElseThrow().info();
                m.put(n, info.shape());
            }
        }
        return m;
    }
}
