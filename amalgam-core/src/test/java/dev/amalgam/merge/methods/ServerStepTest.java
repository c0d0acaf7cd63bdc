package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.BadInputException;
import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stateful server steps (FedAdam/FedYogi/FedAdagrad, FedAvgM, DiLoCo) over two rounds that carry
 * {@code optimizer_state.safetensors}, against the formulas of methods.md §5 evaluated by hand in float64.
 */
class ServerStepTest {
    private static final String T = "model.layers.0.mlp.down_proj.weight";
    private static final String STATE = "optimizer_state.safetensors";

    @TempDir
    Path tmp;

    /** Model "gK" holds K·(1 + i/10) − (i % 3)·K²/20 at element i (non-proportional, so moments differ per element). */
    @BeforeEach
    void models() throws Exception {
        for (int k = 1; k <= 4; k++) {
            int kk = k;
            TinyModel.llama(2).fill((n, i) -> g(kk, i)).write(tmp.resolve("g" + k));
        }
    }

    private static float g(int k, int i) {
        return k * (1f + i / 10f) - (i % 3) * k * k / 20f;
    }

    private static String round(String method, String base, String c1, double w1, String c2, double w2,
                                String params) {
        return "merge_method: " + method + "\nbase_model: " + base + "\nmodels:\n"
                + "  - model: " + c1 + "\n    parameters: {weight: " + w1 + "}\n"
                + "  - model: " + c2 + "\n    parameters: {weight: " + w2 + "}\n"
                + "parameters: {" + params + "}\n";
    }

    @Test
    void fedAdamTwoRounds() {
        String hp = "lr: 0.05, beta1: 0.9, beta2: 0.99, tau: 0.001";
        TestMerges.merge(round("fedadam", "g1", "g2", 1, "g3", 1, hp), tmp, tmp.resolve("r1"));
        TestMerges.merge(round("fedadam", "r1", "g3", 3, "g4", 1, hp + ", optimizer_state: r1/" + STATE),
                tmp, tmp.resolve("r2"));
        float[] x1 = TestMerges.read(tmp.resolve("r1"), T);
        float[] x2 = TestMerges.read(tmp.resolve("r2"), T);
        float[] m2 = SideFiles.read(tmp.resolve("r2").resolve(STATE), "m." + T);
        float[] v2 = SideFiles.read(tmp.resolve("r2").resolve(STATE), "v." + T);
        for (int i = 0; i < x1.length; i++) {
            double tau = 1e-3;
            // round 1: x0 = g1, Δ = ½(g2 − g1) + ½(g3 − g1), m = 0.1·Δ, v = 0.99·τ² + 0.01·Δ²
            double x0 = g(1, i);
            double d1 = 0.5 * (g(2, i) - x0) + 0.5 * (g(3, i) - x0);
            double m1 = 0.1 * d1;
            double v1 = 0.99 * tau * tau + 0.01 * d1 * d1;
            double e1 = x0 + 0.05 * m1 / (Math.sqrt(v1) + tau);
            assertThat((double) x1[i]).as("round 1, element %d", i).isCloseTo(e1, within(1e-5 * Math.abs(e1) + 1e-6));
            // round 2 from the stored (float32) round-1 model and state: weights 3 : 1
            double xr = x1[i];
            double d2 = 0.75 * (g(3, i) - xr) + 0.25 * (g(4, i) - xr);
            double mm = 0.9 * (float) m1 + 0.1 * d2;
            double vv = 0.99 * (float) v1 + 0.01 * d2 * d2;
            double e2 = xr + 0.05 * mm / (Math.sqrt(vv) + tau);
            assertThat((double) x2[i]).as("round 2, element %d", i).isCloseTo(e2, within(1e-5 * Math.abs(e2) + 1e-6));
            assertThat((double) m2[i]).isCloseTo(mm, within(1e-6 * Math.abs(mm) + 1e-9));
            assertThat((double) v2[i]).isCloseTo(vv, within(1e-6 * Math.abs(vv) + 1e-12));
        }
        var meta = SideFiles.metadata(tmp.resolve("r2").resolve(STATE));
        assertThat(meta).containsEntry("optimizer", "fedadam").containsEntry("step", "2")
                .containsEntry("beta2", "0.99").containsEntry("lr", "0.05");
        assertThat(SideFiles.metadata(tmp.resolve("r1").resolve(STATE))).containsEntry("step", "1");
    }

    @Test
    void fedYogiAndFedAdagradSecondMoments() {
        TestMerges.merge(round("fedyogi", "g1", "g2", 1, "g4", 1, "lr: 0.1, tau: 0.01"), tmp, tmp.resolve("yogi"));
        TestMerges.merge(round("fedadagrad", "g1", "g2", 1, "g4", 1, "lr: 0.1, tau: 0.01"), tmp, tmp.resolve("ada"));
        float[] yogi = TestMerges.read(tmp.resolve("yogi"), T);
        float[] ada = TestMerges.read(tmp.resolve("ada"), T);
        float[] vy = SideFiles.read(tmp.resolve("yogi").resolve(STATE), "v." + T);
        for (int i = 0; i < yogi.length; i++) {
            double x0 = g(1, i);
            double d = 0.5 * (g(2, i) - x0) + 0.5 * (g(4, i) - x0);
            double v0 = 1e-4;
            double m = 0.1 * d;
            // Yogi: v = v0 − (1 − β₂)·Δ²·sgn(v0 − Δ²); Adagrad: v = v0 + Δ²
            double vYogi = v0 - 0.01 * d * d * Math.signum(v0 - d * d);
            double vAda = v0 + d * d;
            assertThat((double) vy[i]).isCloseTo(vYogi, within(1e-6 * vYogi));
            assertThat((double) yogi[i]).isCloseTo(x0 + 0.1 * m / (Math.sqrt(vYogi) + 0.01), within(1e-5));
            assertThat((double) ada[i]).isCloseTo(x0 + 0.1 * m / (Math.sqrt(vAda) + 0.01), within(1e-5));
        }
    }

    @Test
    void fedAvgMCarriesMomentum() {
        TestMerges.merge(round("fedavgm", "g1", "g2", 1, "g3", 1, "lr: 1, momentum: 0.5"), tmp, tmp.resolve("r1"));
        TestMerges.merge(round("fedavgm", "r1", "g3", 1, "g4", 1, "lr: 1, momentum: 0.5, optimizer_state: r1/" + STATE),
                tmp, tmp.resolve("r2"));
        float[] x2 = TestMerges.read(tmp.resolve("r2"), T);
        for (int i = 0; i < x2.length; i++) {
            double d1 = 0.5 * (g(2, i) + g(3, i)) - g(1, i);
            double x1 = g(1, i) + d1; // buf = Δ₁
            double d2 = 0.5 * (g(3, i) + g(4, i)) - x1;
            double e = x1 + (0.5 * d1 + d2);
            assertThat((double) x2[i]).isCloseTo(e, within(1e-5 * Math.abs(e)));
        }
    }

    @Test
    void dilocoTwoRoundsWithNesterovMomentum() {
        TestMerges.merge(round("diloco", "g1", "g2", 1, "g3", 1, "outer_lr: 0.7, momentum: 0.9"), tmp,
                tmp.resolve("r1"));
        TestMerges.merge(round("diloco", "r1", "g3", 1, "g4", 1,
                "outer_lr: 0.7, momentum: 0.9, optimizer_state: r1/" + STATE), tmp, tmp.resolve("r2"));
        float[] x1 = TestMerges.read(tmp.resolve("r1"), T);
        float[] x2 = TestMerges.read(tmp.resolve("r2"), T);
        float[] b2 = SideFiles.read(tmp.resolve("r2").resolve(STATE), "buf." + T);
        for (int i = 0; i < x1.length; i++) {
            // round 1: Δ = θ0 − avg, b = Δ, θ1 = θ0 − 0.7·(Δ + 0.9·b)
            double t0 = g(1, i);
            double d1 = t0 - 0.5 * (g(2, i) + g(3, i));
            double b1 = d1;
            double e1 = t0 - 0.7 * (d1 + 0.9 * b1);
            assertThat((double) x1[i]).isCloseTo(e1, within(1e-5 * Math.abs(e1) + 1e-6));
            double d2 = x1[i] - 0.5 * (g(3, i) + g(4, i));
            double bb = 0.9 * (float) b1 + d2;
            double e2 = x1[i] - 0.7 * (d2 + 0.9 * bb);
            assertThat((double) x2[i]).isCloseTo(e2, within(1e-5 * Math.abs(e2) + 1e-6));
            assertThat((double) b2[i]).isCloseTo(bb, within(1e-5 * Math.abs(bb) + 1e-6));
        }
        assertThat(SideFiles.metadata(tmp.resolve("r2").resolve(STATE))).containsEntry("optimizer", "diloco")
                .containsEntry("step", "2").containsEntry("outer_lr", "0.7").containsEntry("momentum", "0.9");
    }

    @Test
    void dilocoWithUnitLearningRateAndNoMomentumIsTheWorkerAverage() {
        TestMerges.merge(round("diloco", "g1", "g2", 1, "g4", 1, "outer_lr: 1, momentum: 0"), tmp, tmp.resolve("d"));
        TestMerges.merge("merge_method: linear\nmodels:\n  - model: g2\n    parameters: {weight: 1}\n"
                + "  - model: g4\n    parameters: {weight: 1}\n", tmp, tmp.resolve("avg"));
        for (String t : new String[]{T, "model.embed_tokens.weight", "model.norm.weight"}) {
            float[] d = TestMerges.read(tmp.resolve("d"), t);
            float[] avg = TestMerges.read(tmp.resolve("avg"), t);
            for (int i = 0; i < d.length; i++) {
                assertThat(d[i]).as("%s[%d]", t, i).isCloseTo(avg[i], within(1e-6f * Math.max(1f, Math.abs(avg[i]))));
            }
        }
    }

    @Test
    void stateOfAnotherOptimizerIsRefused() {
        TestMerges.merge(round("fedadam", "g1", "g2", 1, "g3", 1, "lr: 0.1"), tmp, tmp.resolve("r1"));
        assertThatThrownBy(() -> TestMerges.plan(round("fedyogi", "r1", "g3", 1, "g4", 1,
                "optimizer_state: r1/" + STATE), tmp))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("optimizer state r1/" + STATE + " was written by fedadam, not by fedyogi");
    }

    @Test
    void stateMissingATensorIsNamed() {
        TestMerges.merge(round("diloco", "g1", "g2", 1, "g3", 1, ""), tmp, tmp.resolve("r1"));
        var t = new java.util.LinkedHashMap<String, SideFiles.Entry>();
        t.put("buf.model.norm.weight", SideFiles.Entry.f32(new float[4], 4));
        SideFiles.write(tmp.resolve("partial.safetensors"), t, java.util.Map.of("optimizer", "diloco", "step", "3"));
        assertThatThrownBy(() -> TestMerges.plan(round("diloco", "r1", "g3", 1, "g4", 1,
                "optimizer_state: partial.safetensors"), tmp))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("partial.safetensors (parameter 'optimizer_state' of the merge) has no tensor 'buf."
                        + "model.embed_tokens.weight'");
    }

    @Test
    void hyperparametersOutOfRangeAreRecipeErrors() {
        assertThatThrownBy(() -> TestMerges.plan(round("fedadam", "g1", "g2", 1, "g3", 1, "beta2: 1.5"), tmp))
                .isInstanceOf(dev.amalgam.error.ConfigException.class).hasMessageContaining("fedadam: beta2 must be in [0.0, 1.0)");
        assertThatThrownBy(() -> TestMerges.plan(round("diloco", "g1", "g2", 1, "g3", 1, "outer_lr: 0"), tmp))
                .hasMessageContaining("diloco: outer_lr must be finite and > 0");
        assertThatThrownBy(() -> TestMerges.plan(round("fedavg", "g1", "g2", -1, "g3", 1, ""), tmp))
                .hasMessageContaining("the weight of client 'g2' is -1.0");
        assertThatThrownBy(() -> TestMerges.plan(round("fedyogi", "g1", "g2", 1, "g3", 1, "optimizer_state: 3"), tmp))
                .hasMessageContaining("parameters.optimizer_state: parameter 'optimizer_state' of merge method fedyogi must be a string, found the number 3.0");
    }
}
