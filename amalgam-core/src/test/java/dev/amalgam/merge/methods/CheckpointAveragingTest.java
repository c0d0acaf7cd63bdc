package dev.amalgam.merge.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.amalgam.error.ConfigException;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ema, lawa, swa and fedavg on three hand-made "checkpoints", against values worked out by hand. */
class CheckpointAveragingTest {
    private static final String T = "model.layers.1.mlp.down_proj.weight";

    @TempDir
    Path tmp;

    /** Checkpoint k (1, 2, 3) holds k·(1 + i/10) at element i. */
    @BeforeEach
    void checkpoints() throws Exception {
        for (int k = 1; k <= 3; k++) {
            int kk = k;
            TinyModel.llama(2).fill((n, i) -> kk * (1f + i / 10f)).write(tmp.resolve("c" + k));
        }
    }

    private static float x(int k, int i) {
        return k * (1f + i / 10f);
    }

    @Test
    void emaOfThreeCheckpoints() {
        TestMerges.merge("""
                merge_method: ema
                models: [{model: c1}, {model: c2}, {model: c3}]
                parameters: {decay: 0.8}
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            // θ = c1; θ = 0.8·θ + 0.2·c2; θ = 0.8·θ + 0.2·c3  =  0.64·c1 + 0.16·c2 + 0.2·c3
            float expected = 0.64f * x(1, i) + 0.16f * x(2, i) + 0.2f * x(3, i);
            assertThat(v[i]).as("element %d", i).isCloseTo(expected, within(1e-5f));
        }
        // by hand for element 0: 0.64 + 0.32 + 0.6 = 1.56
        assertThat(v[0]).isCloseTo(1.56f, within(1e-6f));
    }

    @Test
    void lawaAveragesTheLastWindow() {
        TestMerges.merge("""
                merge_method: lawa
                models: [{model: c1}, {model: c2}, {model: c3}]
                parameters: {window: 2}
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo(2.5f * (1f + i / 10f), within(1e-5f));
        }
    }

    @Test
    void swaAveragesAll() {
        TestMerges.merge("""
                merge_method: swa
                models: [{model: c1}, {model: c2}, {model: c3}]
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), "model.embed_tokens.weight");
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo(2f * (1f + i / 10f), within(1e-5f));
        }
    }

    @Test
    void fedavgWeightsClientsBySampleCount() {
        // global model c1, clients c2 (30 samples) and c3 (10): x + 1.0·(0.75·(c2 − c1) + 0.25·(c3 − c1))
        TestMerges.merge("""
                merge_method: fedavg
                base_model: c1
                models:
                  - model: c2
                    parameters: {weight: 30}
                  - model: c3
                    parameters: {weight: 10}
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo(2.25f * (1f + i / 10f), within(1e-5f));
        }
    }

    @Test
    void fedavgWithServerLearningRate() {
        TestMerges.merge("""
                merge_method: fedavg
                base_model: c1
                models: [{model: c2}, {model: c3}]
                parameters: {lr: 0.5}
                """, tmp, tmp.resolve("out"));
        float[] v = TestMerges.read(tmp.resolve("out"), T);
        // x = c1 + 0.5·(mean(c2, c3) − c1) = 1 + 0.5·1.5 = 1.75 times (1 + i/10)
        for (int i = 0; i < v.length; i++) {
            assertThat(v[i]).isCloseTo(1.75f * (1f + i / 10f), within(1e-5f));
        }
    }

    @Test
    void emaRejectsABaseModel() {
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: ema
                base_model: c1
                models: [{model: c2}, {model: c3}]
                parameters: {decay: 0.9}
                """, tmp)).isInstanceOf(ConfigException.class).hasMessageContaining("takes no base_model");
    }

    @Test
    void lawaWindowLargerThanTheRunIsRejected() {
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: lawa
                models: [{model: c1}, {model: c2}]
                parameters: {window: 3}
                """, tmp)).isInstanceOf(ConfigException.class).hasMessageContaining("window 3 is larger than the 2");
    }

    @Test
    void emaNeedsADecay() {
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: ema
                models: [{model: c1}, {model: c2}]
                """, tmp)).isInstanceOf(ConfigException.class).hasMessageContaining("'decay'");
    }

    @Test
    void fedavgNeedsTheGlobalModel() {
        assertThatThrownBy(() -> TestMerges.plan("""
                merge_method: fedavg
                models: [{model: c1}, {model: c2}]
                """, tmp)).isInstanceOf(ConfigException.class).hasMessageContaining("needs base_model");
    }
}
