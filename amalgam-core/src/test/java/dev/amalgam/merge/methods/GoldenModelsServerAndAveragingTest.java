package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EMA over three checkpoints, DiLoCo and FedAdam over two rounds carrying the state file, on the golden tiny Llama
 * models (hidden 64, 4 layers), against the formulas of methods.md §4–§5 evaluated here in float64.
 */
class GoldenModelsServerAndAveragingTest {
    private static final String[] TENSORS = {"model.layers.2.mlp.down_proj.weight", "model.embed_tokens.weight",
            "model.layers.0.self_attn.k_proj.weight", "model.norm.weight"};
    private static final String STATE = "optimizer_state.safetensors";

    @TempDir
    Path tmp;

    private static String m(String name) {
        return TestResources.golden().resolve("models").resolve(name).toString();
    }

    private static float[] read(String model, String t) {
        return TestMerges.read(Path.of(model), t);
    }

    private static void assertClose(float[] got, double[] expected, String what) {
        double max = 0;
        for (int i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(got[i] - expected[i]) / (1e-6 + Math.abs(expected[i])));
        }
        assertThat(max).as("max relative error of %s", what).isLessThan(2e-6);
    }

    @Test
    void emaOverThreeCheckpoints() {
        TestMerges.merge("merge_method: ema\nparameters: {decay: 0.75}\nmodels:\n  - model: " + m("ft_a")
                + "\n  - model: " + m("ft_b") + "\n  - model: " + m("ft_c") + "\n", tmp, tmp.resolve("out"));
        for (String t : TENSORS) {
            float[] a = read(m("ft_a"), t);
            float[] b = read(m("ft_b"), t);
            float[] c = read(m("ft_c"), t);
            double[] e = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                double x = a[i];
                x = 0.75 * x + 0.25 * b[i];
                x = 0.75 * x + 0.25 * c[i];
                e[i] = x;
            }
            assertClose(TestMerges.read(tmp.resolve("out"), t), e, t);
        }
    }

    private String round(String method, String base, String c1, String c2, String params) {
        return "merge_method: " + method + "\nbase_model: " + base + "\nparameters: {" + params + "}\nmodels:\n"
                + "  - model: " + c1 + "\n  - model: " + c2 + "\n";
    }

    @Test
    void dilocoTwoRoundsCarryingTheStateFile() {
        Path r1 = tmp.resolve("r1");
        TestMerges.merge(round("diloco", m("base"), m("ft_a"), m("ft_b"), ""), tmp, r1);
        TestMerges.merge(round("diloco", r1.toString(), m("ft_b"), m("ft_c"), "optimizer_state: " + r1.resolve(STATE)),
                tmp, tmp.resolve("r2"));
        for (String t : TENSORS) {
            float[] x0 = read(m("base"), t);
            float[] a = read(m("ft_a"), t);
            float[] b = read(m("ft_b"), t);
            float[] c = read(m("ft_c"), t);
            double[] e1 = new double[x0.length];
            double[] e2 = new double[x0.length];
            float[] x1 = TestMerges.read(r1, t);
            float[] buf1 = SideFiles.read(r1.resolve(STATE), "buf." + t);
            for (int i = 0; i < x0.length; i++) {
                double d = x0[i] - (a[i] + (double) b[i]) / 2;        // outer gradient, round 1
                double buf = d;                                       // b = 0.9·0 + Δ
                e1[i] = x0[i] - 0.7 * (d + 0.9 * buf);
                double d2 = x1[i] - (b[i] + (double) c[i]) / 2;
                double bb = 0.9 * buf1[i] + d2;
                e2[i] = x1[i] - 0.7 * (d2 + 0.9 * bb);
            }
            assertClose(x1, e1, "round 1 " + t);
            assertClose(TestMerges.read(tmp.resolve("r2"), t), e2, "round 2 " + t);
        }
        assertThat(SideFiles.metadata(tmp.resolve("r2").resolve(STATE))).containsEntry("step", "2");
    }

    @Test
    void fedAdamTwoRoundsCarryingTheStateFile() {
        Path r1 = tmp.resolve("r1");
        String hp = "lr: 0.01, tau: 0.001";
        TestMerges.merge(round("fedadam", m("base"), m("ft_a"), m("ft_b"), hp), tmp, r1);
        TestMerges.merge(round("fedadam", r1.toString(), m("ft_b"), m("ft_c"), hp + ", optimizer_state: "
                + r1.resolve(STATE)), tmp, tmp.resolve("r2"));
        for (String t : TENSORS) {
            float[] x0 = read(m("base"), t);
            float[] a = read(m("ft_a"), t);
            float[] b = read(m("ft_b"), t);
            float[] c = read(m("ft_c"), t);
            float[] x1 = TestMerges.read(r1, t);
            float[] m1 = SideFiles.read(r1.resolve(STATE), "m." + t);
            float[] v1 = SideFiles.read(r1.resolve(STATE), "v." + t);
            double[] e1 = new double[x0.length];
            double[] e2 = new double[x0.length];
            for (int i = 0; i < x0.length; i++) {
                double d = ((a[i] - (double) x0[i]) + (b[i] - (double) x0[i])) / 2;
                double mm = 0.1 * d;
                double vv = 0.99 * 1e-6 + 0.01 * d * d;
                e1[i] = x0[i] + 0.01 * mm / (Math.sqrt(vv) + 1e-3);
                double d2 = ((b[i] - (double) x1[i]) + (c[i] - (double) x1[i])) / 2;
                double m2 = 0.9 * m1[i] + 0.1 * d2;
                double v2 = 0.99 * v1[i] + 0.01 * d2 * d2;
                e2[i] = x1[i] + 0.01 * m2 / (Math.sqrt(v2) + 1e-3);
            }
            assertClose(x1, e1, "round 1 " + t);
            assertClose(TestMerges.read(tmp.resolve("r2"), t), e2, "round 2 " + t);
        }
    }
}
