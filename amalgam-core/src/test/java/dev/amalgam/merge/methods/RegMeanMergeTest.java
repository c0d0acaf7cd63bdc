package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.ConfigException;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.tensor.DType;
import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RegMean against a direct float64 solve (Gaussian elimination, written here) and its limiting cases. */
class RegMeanMergeTest {
    private static final String W = "model.layers.0.mlp.gate_proj.weight";
    private static final Map<String, String> META = Map.of("kind", "gram", "normalization", "mean_over_rows");

    @TempDir
    Path tmp;

    private static float rnd(long seed, String name, int i) {
        return (float) (2 * new CounterRandom(seed, name).uniform(i) - 1);
    }

    /** Two models with a 4×3 weight W (out 4, in 3) and Grams G = XᵀX/5 of random 5×3 inputs. */
    private double[][][] twoModels(boolean deadFeature) throws Exception {
        double[][][] grams = new double[2][][];
        for (int k = 0; k < 2; k++) {
            long seed = 10 + k;
            TinyModel.llama(1).with(W, DType.F32, 4, 3).fill((n, i) -> rnd(seed, n, i)).write(tmp.resolve("m" + k));
            double[][] x = new double[5][3];
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 3; c++) {
                    x[r][c] = deadFeature && c == 1 ? 0 : rnd(seed + 100, "x", r * 3 + c);
                }
            }
            grams[k] = gram(x);
            SideFiles.write(tmp.resolve("g" + k + ".safetensors"),
                    Map.of(W, SideFiles.Entry.f32(toFloats(grams[k]), 3, 3)), META);
        }
        return grams;
    }

    private static double[][] gram(double[][] x) {
        int n = x[0].length;
        double[][] g = new double[n][n];
        for (double[] row : x) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    g[i][j] += row[i] * row[j] / x.length;
                }
            }
        }
        return g;
    }

    private static float[] toFloats(double[][] m) {
        float[] f = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                f[i * m[0].length + j] = (float) m[i][j];
            }
        }
        return f;
    }

    /** Solves A·X = B by Gaussian elimination with partial pivoting (an independent float64 reference). */
    static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] aa = new double[n][];
        double[][] bb = new double[n][];
        for (int i = 0; i < n; i++) {
            aa[i] = a[i].clone();
            bb[i] = b[i].clone();
        }
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(aa[r][col]) > Math.abs(aa[p][col])) {
                    p = r;
                }
            }
            double[] t = aa[p]; aa[p] = aa[col]; aa[col] = t;
            t = bb[p]; bb[p] = bb[col]; bb[col] = t;
            for (int r = col + 1; r < n; r++) {
                double f = aa[r][col] / aa[col][col];
                for (int c = col; c < n; c++) {
                    aa[r][c] -= f * aa[col][c];
                }
                for (int c = 0; c < m; c++) {
                    bb[r][c] -= f * bb[col][c];
                }
            }
        }
        double[][] x = new double[n][m];
        for (int r = n - 1; r >= 0; r--) {
            for (int c = 0; c < m; c++) {
                double s = bb[r][c];
                for (int k = r + 1; k < n; k++) {
                    s -= aa[r][k] * x[k][c];
                }
                x[r][c] = s / aa[r][r];
            }
        }
        return x;
    }

    /** W* (out × in) = [(Σ c_i G̃_i)⁻¹ Σ c_i G̃_i W_iᵀ]ᵀ. */
    static double[][] reference(List<double[][]> grams, List<float[]> weights, double[] c, int out, int in, double a) {
        double[][] sumG = new double[in][in];
        double[][] rhs = new double[in][out];
        for (int k = 0; k < grams.size(); k++) {
            double[][] g = grams.get(k);
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < in; j++) {
                    double gt = i == j ? g[i][j] : a * g[i][j];
                    sumG[i][j] += c[k] * gt;
                    for (int o = 0; o < out; o++) {
                        rhs[i][o] += c[k] * gt * weights.get(k)[o * in + j];
                    }
                }
            }
        }
        double[][] x = solve(sumG, rhs);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                w[o][i] = x[i][o];
            }
        }
        return w;
    }

    private static String recipe(String params, double c0, double c1) {
        return "merge_method: regmean\nmodels:\n"
                + "  - model: m0\n    parameters: {weight: " + c0 + ", gram: g0.safetensors}\n"
                + "  - model: m1\n    parameters: {weight: " + c1 + ", gram: g1.safetensors}\n"
                + "parameters: {" + params + "}\n";
    }

    @Test
    void closedFormMatchesADirectFloat64SolveOn4x3() throws Exception {
        double[][][] g = twoModels(false);
        TestMerges.merge(recipe("reduce_non_diagonal_ratio: 0.7", 1, 2), tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), W);
        List<float[]> w = List.of(TestMerges.read(tmp.resolve("m0"), W), TestMerges.read(tmp.resolve("m1"), W));
        List<double[][]> grams = List.of(roundTrip(g[0]), roundTrip(g[1]));
        double[][] expected = reference(grams, w, new double[]{1, 2}, 4, 3, 0.7);
        for (int o = 0; o < 4; o++) {
            for (int i = 0; i < 3; i++) {
                assertThat((double) got[o * 3 + i]).as("W*[%d][%d]", o, i)
                        .isCloseTo(expected[o][i], within(1e-5 * Math.max(1, Math.abs(expected[o][i]))));
            }
        }
        // a tensor without a Gram is the c-weighted mean
        float[] norm = TestMerges.read(tmp.resolve("out"), "model.norm.weight");
        float[] n0 = TestMerges.read(tmp.resolve("m0"), "model.norm.weight");
        float[] n1 = TestMerges.read(tmp.resolve("m1"), "model.norm.weight");
        for (int i = 0; i < norm.length; i++) {
            assertThat(norm[i]).isCloseTo((n0[i] + 2 * n1[i]) / 3f, within(1e-6f));
        }
    }

    private static double[][] roundTrip(double[][] m) {
        double[][] r = new double[m.length][m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                r[i][j] = (float) m[i][j];
            }
        }
        return r;
    }

    @Test
    void ratioZeroIsTheDiagonalWeightedAverage() throws Exception {
        double[][][] g = twoModels(false);
        TestMerges.merge(recipe("reduce_non_diagonal_ratio: 0", 1, 1), tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), W);
        float[] w0 = TestMerges.read(tmp.resolve("m0"), W);
        float[] w1 = TestMerges.read(tmp.resolve("m1"), W);
        for (int o = 0; o < 4; o++) {
            for (int j = 0; j < 3; j++) {
                double d0 = (float) g[0][j][j];
                double d1 = (float) g[1][j][j];
                double expected = (d0 * w0[o * 3 + j] + d1 * w1[o * 3 + j]) / (d0 + d1);
                assertThat((double) got[o * 3 + j]).isCloseTo(expected, within(1e-6));
            }
        }
    }

    @Test
    void equalGramsGiveThePlainAverage() throws Exception {
        twoModels(false);
        // overwrite m1's Gram with m0's
        java.nio.file.Files.copy(tmp.resolve("g0.safetensors"), tmp.resolve("g1.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        TestMerges.merge(recipe("", 1, 1), tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), W);
        float[] w0 = TestMerges.read(tmp.resolve("m0"), W);
        float[] w1 = TestMerges.read(tmp.resolve("m1"), W);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).isCloseTo((w0[i] + w1[i]) / 2, within(1e-5f));
        }
    }

    @Test
    void singularGramIsSolvedWithJitterAndAWarning() throws Exception {
        twoModels(true);
        List<String> warnings = TestMerges.merge(recipe("", 1, 1), tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), W);
        for (int o = 0; o < 4; o++) {
            for (int j = 0; j < 3; j++) {
                assertThat(got[o * 3 + j]).isFinite();
            }
            // the dead input feature carries no information: its column comes out 0
            assertThat(got[o * 3 + 1]).isCloseTo(0f, within(1e-6f));
        }
        assertThat(warnings).anyMatch(w -> w.contains("summed Gram matrix of " + W + " is singular"));
    }

    @Test
    void goldenModelsWithRandomAliasedGrams() {
        Path golden = TestResources.golden().resolve("models");
        String[] names = {"ft_a", "ft_b"};
        List<Map<String, double[][]>> grams = new java.util.ArrayList<>();
        for (int k = 0; k < names.length; k++) {
            Map<String, SideFiles.Entry> t = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>(META);
            Map<String, double[][]> g = new LinkedHashMap<>();
            for (int layer = 0; layer < 4; layer++) {
                String p = "model.layers." + layer + ".";
                String[][] groups = {{"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"},
                        {"mlp.gate_proj", "mlp.up_proj"}, {"self_attn.o_proj"}, {"mlp.down_proj"}};
                int[] ins = {64, 64, 64, 128};
                for (int gi = 0; gi < groups.length; gi++) {
                    int in = ins[gi];
                    double[][] x = new double[in + 8][in];
                    for (int r = 0; r < x.length; r++) {
                        for (int c = 0; c < in; c++) {
                            x[r][c] = rnd(1000L * k + 10L * layer + gi, "x", r * in + c);
                        }
                    }
                    double[][] gram = roundTrip(gram(x));
                    String key = p + groups[gi][0] + ".weight";
                    t.put(key, SideFiles.Entry.f32(toFloats(gram), in, in));
                    for (String member : groups[gi]) {
                        g.put(p + member + ".weight", gram);
                        if (!member.equals(groups[gi][0])) {
                            meta.put("alias." + p + member + ".weight", key);
                        }
                    }
                }
            }
            grams.add(g);
            SideFiles.write(tmp.resolve("gram_" + names[k] + ".safetensors"), t, meta);
        }
        TestMerges.merge("merge_method: regmean\nparameters: {reduce_non_diagonal_ratio: 0.9}\nmodels:\n"
                + "  - model: " + golden.resolve("ft_a") + "\n    parameters: {gram: gram_ft_a.safetensors}\n"
                + "  - model: " + golden.resolve("ft_b") + "\n    parameters: {gram: gram_ft_b.safetensors}\n",
                tmp, tmp.resolve("out"));
        for (String t : new String[]{"model.layers.1.self_attn.k_proj.weight", "model.layers.3.mlp.down_proj.weight",
                "model.layers.2.mlp.up_proj.weight"}) {
            float[] got = TestMerges.read(tmp.resolve("out"), t);
            List<float[]> w = List.of(TestMerges.read(golden.resolve("ft_a"), t), TestMerges.read(golden.resolve("ft_b"), t));
            int in = grams.get(0).get(t).length;
            int out = got.length / in;
            double[][] e = reference(List.of(grams.get(0).get(t), grams.get(1).get(t)), w, new double[]{1, 1}, out, in, 0.9);
            double maxErr = 0;
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    maxErr = Math.max(maxErr, Math.abs(got[o * in + i] - e[o][i]));
                }
            }
            assertThat(maxErr).as("max |diff| of %s", t).isLessThan(1e-5);
        }
    }

    @Test
    void aGramInOnlySomeModelsIsRejected() throws Exception {
        twoModels(false);
        SideFiles.write(tmp.resolve("g1.safetensors"), Map.of("model.layers.0.mlp.down_proj.weight",
                SideFiles.Entry.f32(new float[16], 4, 4)), META);
        assertThatThrownBy(() -> TestMerges.plan(recipe("", 1, 1), tmp))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("regmean: tensor " + W + " has a Gram matrix for some models but not for m1")
                .hasMessageContaining("model.layers.0.mlp.down_proj.weight has a Gram matrix for some models but not for m0");
    }

    @Test
    void aGramOfTheWrongSizeIsNamed() throws Exception {
        twoModels(false);
        SideFiles.write(tmp.resolve("g1.safetensors"), Map.of(W, SideFiles.Entry.f32(new float[16], 4, 4)), META);
        assertThatThrownBy(() -> TestMerges.plan(recipe("", 1, 1), tmp))
                .hasMessageContaining("tensor '" + W + "' of side-input file g1.safetensors has shape [4, 4]")
                .hasMessageContaining("needs [3, 3]");
    }

    @Test
    void gpt2Conv1DWeightsAreStoredInByOut() throws Exception {
        // c_fc is [in 3, out 4]; its Gram is [3, 3] and the solve needs no transpose
        String fc = "transformer.h.0.mlp.c_fc.weight";
        double[][][] g = new double[2][][];
        for (int k = 0; k < 2; k++) {
            long seed = 40 + k;
            Path dir = tmp.resolve("m" + k);
            Map<String, SideFiles.Entry> t = new LinkedHashMap<>();
            t.put("transformer.wte.weight", SideFiles.Entry.f32(new float[8 * 3], 8, 3));
            t.put("transformer.h.0.ln_1.weight", SideFiles.Entry.f32(new float[]{1, 1, 1}, 3));
            float[] w = new float[12];
            for (int i = 0; i < 12; i++) {
                w[i] = rnd(seed, fc, i);
            }
            t.put(fc, SideFiles.Entry.f32(w, 3, 4));
            t.put("transformer.ln_f.weight", SideFiles.Entry.f32(new float[]{1, 1, 1}, 3));
            SideFiles.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
            java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"],"
                    + " \"model_type\": \"gpt2\", \"n_embd\": 3, \"n_head\": 1, \"n_layer\": 1}");
            double[][] x = new double[6][3];
            for (int r = 0; r < 6; r++) {
                for (int c = 0; c < 3; c++) {
                    x[r][c] = rnd(seed + 100, "x", r * 3 + c);
                }
            }
            g[k] = roundTrip(gram(x));
            SideFiles.write(tmp.resolve("g" + k + ".safetensors"), Map.of(fc, SideFiles.Entry.f32(toFloats(g[k]), 3, 3)), META);
        }
        TestMerges.merge(recipe("", 1, 1), tmp, tmp.resolve("out"));
        float[] got = TestMerges.read(tmp.resolve("out"), fc);
        // the same solve on the nn.Linear layout (out × in = the transpose), transposed back
        List<float[]> wt = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
            float[] w = TestMerges.read(tmp.resolve("m" + k), fc);
            float[] t = new float[12];
            for (int i = 0; i < 3; i++) {
                for (int o = 0; o < 4; o++) {
                    t[o * 3 + i] = w[i * 4 + o];
                }
            }
            wt.add(t);
        }
        double[][] e = reference(List.of(g[0], g[1]), wt, new double[]{1, 1}, 4, 3, 1.0);
        for (int i = 0; i < 3; i++) {
            for (int o = 0; o < 4; o++) {
                assertThat((double) got[i * 4 + o]).as("W*[%d][%d]", i, o).isCloseTo(e[o][i], within(1e-5));
            }
        }
    }
}
