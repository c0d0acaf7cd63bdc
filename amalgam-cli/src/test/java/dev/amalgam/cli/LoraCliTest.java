package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.tensor.DType;
import dev.amalgam.testing.TinyAdapter;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code amalgam lora merge|extract} and {@code model+lora} end to end: exit codes, messages, files. */
class LoraCliTest {
    private static final String O = "model.layers.0.self_attn.o_proj";
    @TempDir
    Path tmp;

    private static CliTest.Run run(String... args) {
        return CliTest.run(args);
    }

    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(2).with("model.layers.0.mlp.up_proj.weight", DType.F32, 24, 16)
                .fill((n, i) -> ((n.hashCode() + i * 7919) % 101) / 100f).write(tmp.resolve("base"));
        TinyModel.llama(2).with("model.layers.0.mlp.up_proj.weight", DType.F32, 24, 16)
                .fill((n, i) -> ((n.hashCode() + i * 7919) % 101) / 100f
                        + (n.contains("up_proj") ? 0.01f * (i % 16) * (i / 16 % 3) : 0f)).write(tmp.resolve("ft"));
        new TinyAdapter().tensor(O + ".lora_A.weight", TinyAdapter.ramp(8, 0.2f), 2, 4)
                .tensor(O + ".lora_B.weight", TinyAdapter.ramp(8, 0.3f), 4, 2).write(tmp.resolve("a1"));
        new TinyAdapter().tensor(O + ".lora_A.weight", TinyAdapter.ramp(8, 0.5f), 2, 4)
                .tensor(O + ".lora_B.weight", TinyAdapter.ramp(8, 0.1f), 4, 2).write(tmp.resolve("a2"));
    }

    private Path recipe(String model) throws Exception {
        Path p = tmp.resolve("bake.yml");
        Files.writeString(p, "merge_method: passthrough\nmodels:\n  - model: " + tmp.resolve("base") + "+"
                + tmp.resolve(model) + "\n");
        return p;
    }

    @Test
    void mergeAdaptersThenBakeTheResult() throws Exception {
        Path out = tmp.resolve("combined");
        CliTest.Run r = run("lora", "merge", tmp.resolve("a1").toString(), tmp.resolve("a2").toString(),
                "-o", out.toString(), "-t", "ties_svd", "--density", "0.5", "--weights", "0.6,0.4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Wrote " + out).contains("ties_svd");
        assertThat(out.resolve("adapter_config.json")).exists();
        assertThat(Files.readString(out.resolve("README.md"))).contains("ties_svd").contains("a1");
        CliTest.Run baked = run("merge", recipe("combined").toString(), tmp.resolve("baked").toString(),
                "--lora-merge-cache", tmp.resolve("cache").toString());
        assertThat(baked.code()).as(baked.err()).isZero();
        assertThat(baked.err()).contains("--lora-merge-cache").contains("no effect");
        assertThat(tmp.resolve("cache")).doesNotExist();
    }

    @Test
    void mergeErrors() {
        String a1 = tmp.resolve("a1").toString();
        String out = tmp.resolve("x").toString();
        CliTest.Run typo = run("lora", "merge", a1, "-o", out, "-t", "dare_tie", "--density", "0.5");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("did you mean 'dare_ties'").doesNotContain("Exception");
        CliTest.Run density = run("lora", "merge", a1, a1, "-o", out, "-t", "ties");
        assertThat(density.code()).isEqualTo(2);
        assertThat(density.err()).contains("--density");
        CliTest.Run weights = run("lora", "merge", a1, a1, "-o", out, "--weights", "1,2,3");
        assertThat(weights.code()).isEqualTo(2);
        assertThat(weights.err()).contains("3 value(s) for 2 adapter(s)");
        CliTest.Run missing = run("lora", "merge", tmp.resolve("nope").toString(), "-o", out);
        assertThat(missing.code()).isEqualTo(3);
        assertThat(missing.err()).contains("no adapter_config.json");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void extractPrintsTheReportAndWritesALoadableAdapter() throws Exception {
        Path out = tmp.resolve("extracted");
        CliTest.Run r = run("lora", "extract", "--model", tmp.resolve("ft").toString(), "--base",
                tmp.resolve("base").toString(), out.toString(), "--max-rank", "4", "--energy", "0.99");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("model.layers.0.mlp.up_proj").contains("err(meas)").contains("Wrote " + out);
        assertThat(Files.readString(out.resolve("adapter_config.json"))).contains("\"peft_type\": \"LORA\"");
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(Files.readString(out.resolve("README.md"))).contains("lora extract");
        CliTest.Run baked = run("merge", recipe("extracted").toString(), tmp.resolve("baked").toString());
        assertThat(baked.code()).as(baked.err()).isZero();
        // mergekit's spelling of the options works too
        CliTest.Run mk = run("lora", "extract", "--model", tmp.resolve("ft").toString(), "--base-model",
                tmp.resolve("base").toString(), "--out-path", tmp.resolve("mk").toString(), "--no-distribute-scale",
                "--exact-svd", "-e", "o_proj", "--cuda");
        assertThat(mk.code()).as(mk.err()).isZero();
        assertThat(mk.err()).contains("do not apply");
    }

    @Test
    void extractErrors() throws Exception {
        String ft = tmp.resolve("ft").toString();
        String base = tmp.resolve("base").toString();
        CliTest.Run noBase = run("lora", "extract", "--model", ft, tmp.resolve("x").toString());
        assertThat(noBase.code()).isEqualTo(2);
        assertThat(noBase.err()).contains("--base");
        CliTest.Run noOut = run("lora", "extract", "--model", ft, "--base", base);
        assertThat(noOut.code()).isEqualTo(2);
        assertThat(noOut.err()).contains("output folder");
        CliTest.Run regex = run("lora", "extract", "--model", ft, "--base", base, tmp.resolve("x").toString(),
                "-i", "[");
        assertThat(regex.code()).isEqualTo(2);
        assertThat(regex.err()).contains("--include-regex");
        TinyModel.llama(1).write(tmp.resolve("small"));
        CliTest.Run other = run("lora", "extract", "--model", ft, "--base", tmp.resolve("small").toString(),
                tmp.resolve("x").toString());
        assertThat(other.code()).isEqualTo(3);
        assertThat(other.err()).contains("same model").doesNotContain("Exception");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
