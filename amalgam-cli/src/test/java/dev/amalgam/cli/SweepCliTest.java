package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amalgam merge --sweep lambda=START:END:STEP}: one output per value, each equal to a plain merge. */
class SweepCliTest {
    @TempDir
    Path tmp;

    private Path recipe(String method, String lambda) throws Exception {
        Path models = TestResources.golden().resolve("models");
        String text = """
                merge_method: %s
                base_model: %s/base
                models:
                  - model: %s/ft_a
                  - model: %s/ft_b
                parameters:
                  lambda: %s
                dtype: float32
                """.formatted(method, models, models, models, lambda);
        Path p = tmp.resolve(method + "-" + lambda + ".yml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void sweepWritesOneOutputPerValueEqualToPlainMerges() throws Exception {
        Path out = tmp.resolve("sweep");
        CliTest.Run r = CliTest.run("merge", recipe("iso_cts", "1.0").toString(), out.toString(), "--sweep",
                "lambda=0.5:1.5:0.5", "-j", "2");
        assertThat(r.code()).as(r.err()).isZero();
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("lambda-0.5", "lambda-1", "lambda-1.5");
        }
        String q = "model.layers.1.self_attn.q_proj.weight";
        String norm = "model.norm.weight";
        for (String lambda : new String[] {"0.5", "1.5"}) {
            Path plain = tmp.resolve("plain-" + lambda);
            CliTest.Run p = CliTest.run("merge", recipe("iso_cts", lambda).toString(), plain.toString());
            assertThat(p.code()).as(p.err()).isZero();
            for (String t : new String[] {q, norm}) {
                assertThat(TestMerges.read(out.resolve("lambda-" + lambda), t)).as(lambda + " " + t)
                        .containsExactly(TestMerges.read(plain, t));
            }
        }
        // the update really scales with λ: θ(1.5) − θ₀ ≈ 3·(θ(0.5) − θ₀)
        float[] base = TestMerges.read(TestResources.golden().resolve("models/base"), q);
        float[] a = TestMerges.read(out.resolve("lambda-0.5"), q);
        float[] c = TestMerges.read(out.resolve("lambda-1.5"), q);
        for (int i = 0; i < base.length; i += 97) {
            assertThat((double) c[i] - base[i]).isCloseTo(3.0 * ((double) a[i] - base[i]),
                    org.assertj.core.api.Assertions.within(1e-6));
        }
    }

    @Test
    void sweepNeedsASweepableMethodAndAValidRange() throws Exception {
        Path linear = tmp.resolve("linear.yml");
        Path models = TestResources.golden().resolve("models");
        Files.writeString(linear, "merge_method: linear\nmodels:\n  - model: " + models + "/ft_a\n    parameters: {weight: 1}\n");
        CliTest.Run r = CliTest.run("merge", linear.toString(), tmp.resolve("o1").toString(), "--sweep",
                "lambda=0:1:0.5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("linear has no lambda to sweep").doesNotContain("Exception");
        assertThat(tmp.resolve("o1")).doesNotExist();

        for (String bad : new String[] {"lambda=1:0:0.5", "lambda=0:1:0", "alpha=0:1:0.5", "lambda=0:1"}) {
            CliTest.Run b = CliTest.run("merge", recipe("tsv_m", "1").toString(), tmp.resolve("o2").toString(),
                    "--sweep", bad);
            assertThat(b.code()).as(bad).isEqualTo(2);
            assertThat(b.err()).as(bad).contains("--sweep").doesNotContain("Exception");
        }
        assertThat(tmp.resolve("o2")).doesNotExist();
    }
}
