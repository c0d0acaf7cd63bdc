package dev.amalgam.merge.subspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing and guards on hand-built models: integer tensors, d = 0, one task, embeddings. */
class SubspaceGuardsTest {
    private static final String NARROW_A = "model.layers.0.self_attn.narrow_a.weight"; // 2x4: r = 2 < T = 3
    private static final String NARROW_B = "model.layers.1.self_attn.narrow_b.weight"; // 4x2
    private static final String IDS = "model.position_ids";                              // I64

    @TempDir
    Path tmp;

    private TinyModel model(int which) {
        return TinyModel.llama(2)
                .with(NARROW_A, DType.F32, 2, 4)
                .with(NARROW_B, DType.F32, 4, 2)
                .with(IDS, DType.I64, 6)
                .fill((name, i) -> name.equals(IDS) ? i + 10 * which
                        : (float) Math.sin(1.3 * i + which * 0.7 + name.length()) * (which == 0 ? 1f : 1.1f));
    }

    private void writeModels(int tasks) throws Exception {
        model(0).write(tmp.resolve("base"));
        for (int t = 1; t <= tasks; t++) {
            model(t).write(tmp.resolve("ft" + t));
        }
    }

    private static String recipe(String method, int tasks, String params) {
        StringBuilder sb = new StringBuilder("merge_method: " + method + "\nbase_model: ./base\nmodels:\n");
        for (int t = 1; t <= tasks; t++) {
            sb.append("  - model: ./ft").append(t).append('\n');
        }
        return sb.append("parameters:\n").append(params.indent(2)).append("dtype: float32\n").toString();
    }

    @Test
    void tooFewSingularValuesFallBackToTheMeanAndSayItOnce() throws Exception {
        writeModels(3);
        Path out = tmp.resolve("out");
        List<String> warnings = TestMerges.merge(recipe("tsv_m", 3, "lambda: 1.0"), tmp, out);
        List<String> d0 = warnings.stream().filter(w -> w.contains("d = ⌊r/T⌋ = 0")).toList();
        assertThat(d0).hasSize(1);
        assertThat(d0.get(0)).contains("tsv_m", "mean of the task vectors");
        for (String name : List.of(NARROW_A, NARROW_B)) {
            float[] base = TestMerges.read(tmp.resolve("base"), name);
            float[] got = TestMerges.read(out, name);
            for (int i = 0; i < base.length; i++) {
                double mean = 0;
                for (int t = 1; t <= 3; t++) {
                    mean += TestMerges.read(tmp.resolve("ft" + t), name)[i] - (double) base[i];
                }
                double exact = base[i] + mean / 3;
                assertThat(Math.abs(got[i] - exact)).isLessThanOrEqualTo(Math.ulp(got[i]) + Math.ulp((float) (mean / 3)));
            }
        }
    }

    @Test
    void integerTensorsAreCopiedFromTheBase() throws Exception {
        writeModels(2);
        for (String method : List.of("tsv_m", "iso_c", "iso_cts", "cart", "magmax")) {
            Path out = tmp.resolve("out-" + method);
            TestMerges.merge(recipe(method, 2, "lambda: 1.0"), tmp, out);
            assertThat(TestMerges.read(out, IDS)).as(method).containsExactly(0, 1, 2, 3, 4, 5);
        }
    }

    @Test
    void oneTaskWithLambdaOneReturnsTheFineTune() throws Exception {
        writeModels(1);
        for (String method : List.of("tsv_m", "magmax")) {
            Path out = tmp.resolve("one-" + method);
            TestMerges.merge(recipe(method, 1, "lambda: 1.0"), tmp, out);
            for (String name : List.of("model.layers.0.self_attn.o_proj.weight", NARROW_A, "model.norm.weight",
                    "lm_head.weight")) {
                float[] ft = TestMerges.read(tmp.resolve("ft1"), name);
                float[] got = TestMerges.read(out, name);
                for (int i = 0; i < ft.length; i++) {
                    assertThat(got[i]).as("%s %s[%d]", method, name, i).isCloseTo(ft[i],
                            org.assertj.core.api.Assertions.within(2e-6f));
                }
            }
        }
    }

    @Test
    void embeddingsAreDecomposedOnlyWhenAsked() throws Exception {
        writeModels(2);
        Path mean = tmp.resolve("mean");
        Path svd = tmp.resolve("svd");
        TestMerges.merge(recipe("iso_c", 2, "lambda: 1.0"), tmp, mean);
        TestMerges.merge(recipe("iso_c", 2, "lambda: 1.0\ndecompose_embeddings: true"), tmp, svd);
        String e = "model.embed_tokens.weight";
        float[] base = TestMerges.read(tmp.resolve("base"), e);
        float[] a = TestMerges.read(tmp.resolve("ft1"), e), b = TestMerges.read(tmp.resolve("ft2"), e);
        float[] gotMean = TestMerges.read(mean, e);
        for (int i = 0; i < base.length; i++) {
            assertThat(gotMean[i]).isCloseTo((float) (base[i] + ((a[i] - (double) base[i]) + (b[i] - (double) base[i])) / 2),
                    org.assertj.core.api.Assertions.within(1e-6f));
        }
        // Iso-C of the 8x4 sum: the update's singular values are all equal.
        float[] gotSvd = TestMerges.read(svd, e);
        double[] delta = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            delta[i] = gotSvd[i] - (double) base[i];
        }
        double[] s = dev.amalgam.linalg.Svd.values(new dev.amalgam.linalg.DMatrix(8, 4, delta));
        assertThat(s[3] / s[0]).isGreaterThan(0.999);
    }
}
