package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.FakeHub;
import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.TestResources;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** merge, validate, download and push against the in-process Hub, with an injected environment. */
class HubCliTest {
    @TempDir
    Path tmp;
    FakeHub hub;

    record Run(int code, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        for (String m : List.of("ft_a", "ft_b", "ft_c")) {
            hub.addRepo("org/" + m, TestResources.golden().resolve("models").resolve(m));
        }
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HOME", tmp.resolve("hf").toString());
        env.put("HF_HUB_CACHE", tmp.resolve("hf/hub").toString());
        env.put("HF_ENDPOINT", hub.endpoint() + "/");
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    private Run run(Map<String, String> env, String... args) {
        var cmd = Main.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path recipe() throws Exception {
        Path p = tmp.resolve("hub.yml");
        Files.writeString(p, Files.readString(TestResources.golden().resolve("configs/linear.yml"))
                .replace("./models/", "org/"));
        return p;
    }

    private static Map<String, byte[]> read(Path dir) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void validateThenMergeARecipeOfHubModels() throws Exception {
        Run v = run(env(), "validate", recipe().toString());
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.out()).contains("is valid").contains("org/ft_a");
        assertThat(hub.requestsTo(r -> r.server().equals("cdn") && r.range() == null)).isEmpty();

        Run i = run(env(), "inspect", "org/ft_b", "--summary");
        assertThat(i.code()).as(i.err()).isZero();
        assertThat(i.out()).contains("LlamaForCausalLM").contains("models--org--ft_b");
        assertThat(hub.requestsTo(r -> r.server().equals("cdn") && r.range() == null)).isEmpty();

        Path out = tmp.resolve("out");
        Run m = run(env(), "merge", recipe().toString(), out.toString(), "-j", "2");
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.err()).contains("Downloading 6 file(s)").contains("[6/6]").contains("overall 100%");
        var cmp = GoldenComparator.compare(TestResources.golden().resolve("out/linear"), out);
        assertThat(cmp.ok()).as(cmp.report()).isTrue();
    }

    @Test
    void hubErrorsAreMessagesWithExitCodesNotStackTraces() throws Exception {
        Path p = tmp.resolve("bad.yml");
        Files.writeString(p, "merge_method: linear\nmodels:\n  - model: org/missing\n    parameters: {weight: 1}\n");
        Run missing = run(env(), "merge", p.toString(), tmp.resolve("o").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("'org/missing' was not found on " + hub.endpoint())
                .doesNotContain("Exception").doesNotContain("\tat ");

        Run offline = run(env("HF_HUB_OFFLINE", "1"), "validate", recipe().toString());
        assertThat(offline.code()).isEqualTo(2);
        assertThat(offline.err()).contains("HF_HUB_OFFLINE");

        hub.gate("org/ft_b");
        Run gated = run(env(), "validate", recipe().toString());
        assertThat(gated.code()).isEqualTo(2);
        assertThat(gated.err()).contains("gated repository").contains("org/ft_b");
        Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(tmp.resolve("hf/token"), FakeHub.READ_TOKEN + "\n");
        Run withTokenFile = run(env(), "validate", recipe().toString());
        assertThat(withTokenFile.code()).as(withTokenFile.err()).isZero();
    }

    @Test
    void downloadHonoursIncludeExcludeAndSkipsPickles() throws Exception {
        Map<String, byte[]> files = new HashMap<>(read(TestResources.golden().resolve("models/ft_a")));
        files.put("pytorch_model.bin", "not really a pickle".getBytes(StandardCharsets.UTF_8));
        hub.addCommit("org/mixed", "main", files);
        Run all = run(env(), "download", "org/mixed");
        assertThat(all.code()).as(all.err()).isZero();
        Path snap = Path.of(all.out().strip());
        assertThat(snap.resolve("model.safetensors")).exists();
        assertThat(snap.resolve("pytorch_model.bin")).doesNotExist();
        assertThat(all.err()).contains("pickled weights were skipped");

        Path other = tmp.resolve("other");
        Map<String, String> env2 = env("HF_HUB_CACHE", other.toString());
        Run some = run(env2, "download", "org/mixed@main", "--include", "*.json", "--exclude", "tokenizer*");
        assertThat(some.code()).as(some.err()).isZero();
        Path snap2 = Path.of(some.out().strip());
        try (Stream<Path> s = Files.list(snap2)) {
            assertThat(s.map(x -> x.getFileName().toString()).sorted().toList())
                    .containsExactly("config.json", "special_tokens_map.json");
        }
    }

    @Test
    void pushAMergeThenDownloadItBackByteIdentical() throws Exception {
        Path out = tmp.resolve("out");
        assertThat(run(env(), "merge", recipe().toString(), out.toString()).code()).isZero();
        Run noToken = run(env(), "push", out.toString(), "me/merged");
        assertThat(noToken.code()).isEqualTo(2);
        assertThat(noToken.err()).contains("HF_TOKEN");

        Run push = run(env("HF_TOKEN", FakeHub.TOKEN), "push", out.toString(), "me/merged", "--private",
                "--commit-message", "My merge");
        assertThat(push.code()).as(push.err()).isZero();
        assertThat(push.out()).contains("Pushed").contains("me/merged");
        assertThat(push.err()).contains("Created private repository me/merged").contains("Uploading");

        Path back = tmp.resolve("back");
        Run dl = run(env("HF_HUB_CACHE", back.toString(), "HF_TOKEN", FakeHub.TOKEN), "download", "me/merged");
        assertThat(dl.code()).as(dl.err()).isZero();
        Map<String, byte[]> served = read(Path.of(dl.out().strip()));
        served.remove(".gitattributes");
        Map<String, byte[]> local = read(out);
        assertThat(served.keySet()).isEqualTo(local.keySet());
        local.forEach((k, v) -> assertThat(served.get(k)).as(k).isEqualTo(v));
        assertThat(new String(local.get("README.md"), StandardCharsets.UTF_8))
                .contains("- org/ft_a").contains("- merge").contains("- amalgam");

        Run again = run(env("HF_TOKEN", FakeHub.TOKEN), "push", out.toString(), "me/merged");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("Nothing to push");
    }
}
