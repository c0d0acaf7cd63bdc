package dev.amalgam.io.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import dev.amalgam.testing.FakeHub;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code push}: repo creation, preupload, LFS batch (basic and multipart), commit; served back byte for byte. */
class HubUploadTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    HubTestSupport t;
    Path merged;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        t = new HubTestSupport(hub, tmp);
        Path golden = TestResources.golden();
        String yaml = Files.readString(golden.resolve("configs/linear.yml")).replace("./models/", golden + "/models/");
        merged = tmp.resolve("merged");
        TestMerges.merge(yaml, tmp, merged);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubUploader uploader(String token) {
        return new HubUploader(t.http("HF_TOKEN", token), TransferListener.NONE);
    }

    private static Map<String, byte[]> read(Path dir) throws Exception {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void aPushedMergeIsServedBackByteIdentical() throws Exception {
        hub.multipart(300_000, 100_000);
        var result = uploader(FakeHub.TOKEN).push(merged, "me/merged", false, null, "Upload merge", Map.of());
        assertThat(result.createdRepo()).isTrue();
        assertThat(result.commitOid()).matches("[0-9a-f]{40}").isEqualTo(hub.head("me/merged", "main"));
        assertThat(result.uploaded()).contains("model.safetensors", "config.json", "README.md");

        // Multipart: 727 kB in 100 kB parts, PUT to the storage host without the token, then completed.
        long size = Files.size(merged.resolve("model.safetensors"));
        var partPuts = hub.requestsTo(r -> r.method().equals("PUT") && r.path().contains("/part/"));
        assertThat(partPuts).hasSize((int) ((size + 99_999) / 100_000)).allMatch(r -> r.authorization() == null);
        assertThat(hub.requestsTo(r -> r.path().startsWith("/lfs-complete/"))).hasSize(1);
        assertThat(hub.requestsTo(r -> r.path().equals("/lfs-verify"))).hasSize(1)
                .allMatch(r -> r.authorization() != null);

        // Downloaded again through the client into a fresh cache: every file identical.
        HubTestSupport reader = new HubTestSupport(hub, tmp.resolve("reader"));
        Path snap = reader.models().download("me/merged", null, "model");
        Map<String, byte[]> local = read(merged);
        Map<String, byte[]> served = read(snap);
        served.remove(".gitattributes");
        assertThat(served.keySet()).isEqualTo(local.keySet());
        local.forEach((k, v) -> assertThat(served.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void pushingAgainSkipsEverythingTheHubHas() throws Exception {
        uploader(FakeHub.TOKEN).push(merged, "me/merged", false, null, "first", Map.of());
        String head = hub.head("me/merged", "main");
        hub.clearLog();
        var again = uploader(FakeHub.TOKEN).push(merged, "me/merged", false, null, "second", Map.of());
        assertThat(again.createdRepo()).isFalse();
        assertThat(again.uploaded()).isEmpty();
        assertThat(again.unchanged()).hasSize(read(merged).size());
        assertThat(hub.head("me/merged", "main")).isEqualTo(head);
        assertThat(hub.requestsTo(r -> r.path().contains("/commit/") || r.method().equals("PUT"))).isEmpty();

        // Another repo with the same weights: the LFS object is stored already, so no bytes are PUT.
        hub.clearLog();
        var copy = uploader(FakeHub.TOKEN).push(merged, "me/copy", true, null, "copy", Map.of());
        assertThat(copy.uploaded()).contains("model.safetensors");
        assertThat(hub.requestsTo(r -> r.method().equals("PUT"))).isEmpty();
        assertThat(hub.files("me/copy", "main").get("model.safetensors"))
                .isEqualTo(Files.readAllBytes(merged.resolve("model.safetensors")));
    }

    @Test
    void smallLfsFilesUseASinglePut() throws Exception {
        hub.multipart(10_000_000, 5_000_000);
        uploader(FakeHub.TOKEN).push(merged, "me/basic", false, null, "basic", Map.of());
        assertThat(hub.requestsTo(r -> r.method().equals("PUT"))).hasSize(1)
                .allMatch(r -> r.path().startsWith("/upload/") && r.server().equals("cdn"));
        assertThat(hub.files("me/basic", "main").get("model.safetensors"))
                .isEqualTo(Files.readAllBytes(merged.resolve("model.safetensors")));
    }

    @Test
    void theModelCardGetsBaseModelsAndTagsWhenItLacksThem() throws Exception {
        Files.writeString(merged.resolve("README.md"), "# my merge\n\nSome words.\n");
        Files.writeString(merged.resolve("mergekit_config.yml"), """
                merge_method: linear
                base_model: org/base@v2
                models:
                  - model: org/ft_a+org/lora
                  - model: ./local/model
                """);
        var card = ModelCardMetadata.amendedCard(merged, "me/card").orElseThrow();
        uploader(FakeHub.TOKEN).push(merged, "me/card", false, null, "card", Map.of("README.md", card));
        String served = new String(hub.files("me/card", "main").get("README.md"), StandardCharsets.UTF_8);
        assertThat(served).startsWith("---\nbase_model:\n- org/base\n- org/ft_a\ntags:\n- merge\n- amalgam\n---\n")
                .endsWith("# my merge\n\nSome words.\n");
        assertThat(Files.readString(merged.resolve("README.md"))).isEqualTo("# my merge\n\nSome words.\n");
    }

    @Test
    void aFolderWithoutACardGetsOne() throws Exception {
        Files.delete(merged.resolve("README.md"));
        Files.writeString(merged.resolve("mergekit_config.yml"), "merge_method: linear\nmodels:\n  - model: org/a\n");
        var card = ModelCardMetadata.amendedCard(merged, "me/nocard").orElseThrow();
        uploader(FakeHub.TOKEN).push(merged, "me/nocard", false, null, "card", Map.of("README.md", card));
        assertThat(new String(hub.files("me/nocard", "main").get("README.md"), StandardCharsets.UTF_8))
                .isEqualTo("---\nbase_model:\n- org/a\ntags:\n- merge\n- amalgam\n---\n# nocard\n\n"
                        + "This model was merged with Amalgam.\n");
        assertThat(merged.resolve("README.md")).doesNotExist();
    }

    @Test
    void aCompleteCardIsLeftAlone() throws Exception {
        String card = "---\nbase_model:\n- a/b\nlibrary_name: transformers\ntags:\n- amalgam\n- merge\n---\n# x\n";
        assertThat(ModelCardMetadata.ensure(card, List.of("a/b"))).isSameAs(card);
        String amended = ModelCardMetadata.ensure("---\nlicense: mit\ntags: [mergekit]\n---\nbody\n", List.of("c/d"));
        assertThat(amended).isEqualTo("---\nlicense: mit\ntags:\n- mergekit\n- merge\n- amalgam\nbase_model:\n- c/d\n"
                + "---\nbody\n");
    }

    @Test
    void pushNeedsAWriteToken() {
        assertThatThrownBy(() -> new HubUploader(t.http(), TransferListener.NONE)
                .push(merged, "me/x", false, null, "m", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HF_TOKEN");
        assertThatThrownBy(() -> uploader(FakeHub.READ_TOKEN).push(merged, "me/x", false, null, "m", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP 403")
                .hasMessageContaining("write access");
        assertThatThrownBy(() -> uploader(FakeHub.TOKEN).push(merged, "not a repo", false, null, "m", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ORG/NAME");
        assertThat(hub.hasRepo("me/x")).isFalse();
    }

    @Test
    void pushingToABranchLeavesMainAlone() throws Exception {
        uploader(FakeHub.TOKEN).push(merged, "me/b", false, null, "first", Map.of());
        String main = hub.head("me/b", "main");
        assertThatThrownBy(() -> uploader(FakeHub.TOKEN).push(merged, "me/b", false, "dev", "m", Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("branch 'dev' does not exist in 'me/b'");
        hub.tag("me/b", "dev", main);
        Files.writeString(merged.resolve("notes.txt"), "tried on a branch\n");
        var r = uploader(FakeHub.TOKEN).push(merged, "me/b", false, "dev", "notes", Map.of());
        assertThat(r.uploaded()).containsExactly("notes.txt");
        assertThat(hub.head("me/b", "main")).isEqualTo(main);
        assertThat(hub.files("me/b", "dev")).containsKey("notes.txt");
        assertThat(hub.files("me/b", "main")).doesNotContainKey("notes.txt");
    }

    @Test
    void aCommitIsRetriedAfter429ButNeverAfterAServerError() throws Exception {
        hub.fault(FakeHub.Fault.status("/commit/main", 429, "2"));
        var ok = uploader(FakeHub.TOKEN).push(merged, "me/r", false, null, "m", Map.of());
        assertThat(ok.commitOid()).isEqualTo(hub.head("me/r", "main"));
        assertThat(t.waits).contains(java.time.Duration.ofSeconds(2));

        Files.writeString(merged.resolve("extra.txt"), "more\n");
        hub.fault(FakeHub.Fault.status("/commit/main", 503, null));
        String before = hub.head("me/r", "main");
        hub.clearLog();
        assertThatThrownBy(() -> uploader(FakeHub.TOKEN).push(merged, "me/r", false, null, "m2", Map.of()))
                .isInstanceOf(dev.amalgam.error.IoFailureException.class).hasMessageContaining("HTTP 503");
        assertThat(hub.requestsTo(r -> r.path().contains("/commit/"))).hasSize(1);
        assertThat(hub.head("me/r", "main")).isEqualTo(before);
    }

    @Test
    void privateReposAreCreatedPrivate() throws Exception {
        uploader(FakeHub.TOKEN).push(merged, "me/private", true, null, "m", Map.of());
        HubTestSupport anonymous = new HubTestSupport(hub, tmp.resolve("anon"));
        assertThatThrownBy(() -> anonymous.models().download("me/private", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("private or gated");
    }
}
