package dev.amalgam.io.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.testing.FakeHub;
import dev.amalgam.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download side of the Hub client against the in-process Hub: cache layout, resume, retries, errors. */
class HubDownloadTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    HubTestSupport t;
    String commit;

    static Path model(String name) {
        return TestResources.golden().resolve("models").resolve(name);
    }

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        t = new HubTestSupport(hub, tmp);
        commit = hub.addRepo("org/ft_a", model("ft_a"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void downloadWritesTheStandardCacheLayout() throws Exception {
        Path snap = t.models("HF_TOKEN", FakeHub.TOKEN).download("org/ft_a", null, "model");
        Path repo = t.cacheRepo("org/ft_a");
        assertThat(snap).isEqualTo(repo.resolve("snapshots").resolve(commit));
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(commit);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            byte[] expected = Files.readAllBytes(model("ft_a").resolve(f));
            Path link = snap.resolve(f);
            assertThat(Files.isSymbolicLink(link)).as(f).isTrue();
            String etag = f.endsWith(".safetensors") ? FakeHub.sha256(expected) : FakeHub.gitSha1(expected);
            assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("../../blobs/" + etag);
            assertThat(Files.readAllBytes(link)).as(f).isEqualTo(expected);
        }
        assertThat(home("hub/CACHEDIR.TAG")).exists();
        try (Stream<Path> s = Files.list(repo.resolve("blobs"))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".incomplete"));
        }
        // The token went to the Hub's host, never to the CDN the LFS redirect pointed at.
        assertThat(hub.requestsTo(r -> r.server().equals("api"))).allMatch(r -> ("Bearer " + FakeHub.TOKEN)
                .equals(r.authorization()));
        assertThat(hub.requestsTo(r -> r.server().equals("cdn"))).isNotEmpty().allMatch(r -> r.authorization() == null);
    }

    private Path home(String rel) {
        return t.home.resolve(rel);
    }

    @Test
    void aDroppedConnectionIsResumedWithRangeAndTheFileIsByteIdentical() throws Exception {
        hub.fault(FakeHub.Fault.dropAfter("/lfs/", 100_000));
        Path snap = t.models().download("org/ft_a", null, "model");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model("ft_a").resolve("model.safetensors")));
        // The resume starts where the received bytes end: at most the 100 000 the server sent before dropping
        // (TCP may lose some of them when the connection is reset).
        var ranges = hub.requestsTo(r -> r.server().equals("cdn") && r.method().equals("GET")).stream()
                .map(FakeHub.Request::range).toList();
        assertThat(ranges).hasSize(2);
        assertThat(ranges.get(0)).isNull();
        assertThat(ranges.get(1)).matches("bytes=\\d+-");
        long from = Long.parseLong(ranges.get(1).replaceAll("\\D", ""));
        assertThat(from).isBetween(1L, 100_000L);
        assertThat(t.notices).anyMatch(n -> n.contains("connection lost") && n.contains("resuming"));
    }

    @Test
    void aStalledConnectionIsAbandonedAndResumed() throws Exception {
        t.idleTimeout = Duration.ofMillis(300);
        hub.fault(FakeHub.Fault.stallAfter("/lfs/", 200_000, 20_000));
        Path snap = t.models().download("org/ft_a", null, "model");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model("ft_a").resolve("model.safetensors")));
        assertThat(t.notices).anyMatch(n -> n.contains("no data for") && n.contains("resuming"));
        assertThat(hub.requestsTo(r -> r.server().equals("cdn") && r.method().equals("GET")).get(1).range())
                .matches("bytes=\\d+-");
    }

    @Test
    void aServerIgnoringRangeMakesTheDownloadRestartFromZero() throws Exception {
        hub.fault(FakeHub.Fault.dropAfter("/lfs/", 50_000));
        hub.fault(FakeHub.Fault.ignoreRange("/lfs/"));
        Path snap = t.models().download("org/ft_a", null, "model");
        assertThat(Files.readAllBytes(snap.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model("ft_a").resolve("model.safetensors")));
    }

    @Test
    void progressAddsUpPerFileAndOverallThroughAResumeAndARestart() throws Exception {
        hub.fault(FakeHub.Fault.dropAfter("/lfs/", 300_000));
        hub.fault(FakeHub.Fault.ignoreRange("/lfs/"));
        var perFile = new java.util.concurrent.ConcurrentHashMap<String, Long>();
        var sizes = new java.util.concurrent.ConcurrentHashMap<String, Long>();
        long[] batch = new long[2];
        TransferListener rec = new TransferListener() {
            @Override
            public void batchStarted(int files, long totalBytes) {
                batch[0] = files;
                batch[1] = totalBytes;
            }

            @Override
            public void bytes(String name, long delta) {
                perFile.merge(name, delta, Long::sum);
            }

            @Override
            public void fileFinished(String name, long size) {
                sizes.put(name, size);
            }
        };
        new HubModels(t.http(), 3, rec, t.notices::add).download("org/ft_a", null, "model");
        long total = 0;
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            long size = Files.size(model("ft_a").resolve(f));
            assertThat(perFile.get("org/ft_a/" + f)).as(f).isEqualTo(size);
            assertThat(sizes.get("org/ft_a/" + f)).as(f).isEqualTo(size);
            total += size;
        }
        assertThat(batch).containsExactly(5, total);
    }

    @Test
    void corruptBytesAreRejectedAndNothingIsLeftInTheCache() throws Exception {
        hub.fault(FakeHub.Fault.corrupt("/lfs/"));
        assertThatThrownBy(() -> t.models().download("org/ft_a", null, "model"))
                .isInstanceOf(IoFailureException.class).hasMessageContaining("corrupt")
                .hasMessageContaining("sha256");
        try (Stream<Path> s = Files.list(t.cacheRepo("org/ft_a").resolve("blobs"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".incomplete") || n.length() == 64);
        }
        assertThat(t.cacheRepo("org/ft_a").resolve("snapshots").resolve(commit).resolve("model.safetensors"))
                .doesNotExist();
    }

    @Test
    void rateLimitsAreRetriedHonouringRetryAfterAndServerErrorsWithBackoff() throws Exception {
        hub.fault(FakeHub.Fault.status("/api/models/org/ft_a", 429, "3"));
        hub.fault(FakeHub.Fault.status("resolve/" + commit + "/config.json", 503, null));
        hub.fault(FakeHub.Fault.status("resolve/" + commit + "/config.json", 502, null));
        Path snap = t.models().download("org/ft_a", null, "model");
        assertThat(snap.resolve("config.json")).exists();
        assertThat(t.waits).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(t.notices).anyMatch(n -> n.contains("HTTP 429") && n.contains("rate limited"));
    }

    @Test
    void retryAfterMayBeAnHttpDateAndIsCapped() throws Exception {
        String inThirtySeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30));
        hub.fault(FakeHub.Fault.status("/api/models/org/ft_a", 503, inThirtySeconds));
        hub.fault(FakeHub.Fault.status("/api/models/org/ft_a", 429, "86400"));
        t.models().download("org/ft_a", null, "model");
        assertThat(t.waits).hasSize(2);
        assertThat(t.waits.get(0)).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(30));
        assertThat(t.waits.get(1)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void rateLimitingThatNeverEndsGivesAClearError() {
        for (int i = 0; i < 10; i++) {
            hub.fault(FakeHub.Fault.status("/api/models/org/ft_a", 429, "1"));
        }
        assertThatThrownBy(() -> t.models().download("org/ft_a", null, "model"))
                .isInstanceOf(IoFailureException.class).hasMessageContaining("rate-limiting")
                .hasMessageContaining("HTTP 429");
        assertThat(t.waits).hasSize(3);
    }

    @Test
    void missingPrivateAndGatedRepositoriesGetClearMessages() throws Exception {
        assertThatThrownBy(() -> t.models().download("org/nope", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'org/nope' was not found")
                .hasMessageContaining("no token is set");
        hub.addRepo("org/secret", model("ft_b"));
        hub.makePrivate("org/secret");
        assertThatThrownBy(() -> t.models().download("org/secret", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("private or gated");
        assertThat(t.models("HF_TOKEN", FakeHub.READ_TOKEN).download("org/secret", null, "model")
                .resolve("model.safetensors")).exists();

        hub.addRepo("org/gated", model("ft_c"));
        hub.gate("org/gated");
        assertThatThrownBy(() -> t.models().download("org/gated", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gated repository")
                .hasMessageContaining("accept its conditions at " + hub.endpoint() + "/org/gated")
                .hasMessageContaining("no token is set");
        assertThatThrownBy(() -> t.models("HF_TOKEN", FakeHub.OTHER_TOKEN).download("org/gated", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gated repository")
                .hasMessageContaining("has not been granted access");
        assertThatThrownBy(() -> t.models().download("org/ft_a", "v9", "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("revision 'v9' of 'org/ft_a' does not exist");
    }

    @Test
    void revisionsArePinnedToCommitsAndRecordedInRefs() throws Exception {
        hub.tag("org/ft_a", "v1", commit);
        String second = hub.addRepo("org/ft_a", model("ft_b"));
        Path v1 = t.models().download("org/ft_a", "v1", "model");
        Path main = t.models().download("org/ft_a", null, "model");
        assertThat(v1.getFileName().toString()).isEqualTo(commit);
        assertThat(main.getFileName().toString()).isEqualTo(second);
        assertThat(Files.readString(t.cacheRepo("org/ft_a").resolve("refs/v1"))).isEqualTo(commit);
        assertThat(Files.readAllBytes(v1.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model("ft_a").resolve("model.safetensors")));
        assertThat(Files.readAllBytes(main.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(model("ft_b").resolve("model.safetensors")));
        // A pull-request ref: encoded in the URL with nothing safe, stored at refs/refs/pr/1.
        hub.tag("org/ft_a", "refs/pr/1", commit);
        assertThat(t.models().download("org/ft_a", "refs/pr/1", "model").getFileName().toString()).isEqualTo(commit);
        assertThat(Files.readString(t.cacheRepo("org/ft_a").resolve("refs/refs/pr/1"))).isEqualTo(commit);
        assertThat(hub.requests()).anyMatch(r -> r.path().contains("/revision/refs%2Fpr%2F1"));
    }

    @Test
    void offlineModeUsesOnlyTheCache() throws Exception {
        assertThatThrownBy(() -> t.models("HF_HUB_OFFLINE", "1").download("org/ft_a", null, "model"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HF_HUB_OFFLINE")
                .hasMessageContaining("not in the Hugging Face cache");
        assertThat(hub.requests()).isEmpty();
        Path online = t.models().download("org/ft_a", null, "model");
        hub.clearLog();
        try (ModelFolder f = t.models("HF_HUB_OFFLINE", "true").open("org/ft_a", null, "model")) {
            assertThat(f.dir()).isEqualTo(online);
            assertThat(f.tensors()).isNotEmpty();
        }
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void offlineAfterAValidationOnlyRunSaysTheCacheIsPartial() throws Exception {
        t.models().open("org/ft_a", null, "model").close();
        assertThatThrownBy(() -> t.models("HF_HUB_OFFLINE", "1").open("org/ft_a", null, "model"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("holds only part of 'org/ft_a'")
                .hasMessageContaining("HF_HUB_OFFLINE unset");
    }

    @Test
    void anUnreachableHubFallsBackToTheCacheWithAWarning() throws Exception {
        Path online = t.models().download("org/ft_a", null, "model");
        hub.close();
        try (ModelFolder f = t.models().open("org/ft_a", null, "model")) {
            assertThat(f.dir()).isEqualTo(online);
        }
        assertThat(t.notices).anyMatch(n -> n.contains("unreachable") && n.contains("from the cache"));
        assertThatThrownBy(() -> t.models().open("org/other", null, "model"))
                .isInstanceOf(IoFailureException.class).hasMessageContaining("HF_HUB_OFFLINE=1");
    }

    @Test
    void openingForValidationReadsHeadersByRangeAndDownloadsNoWeights() throws Exception {
        String c = hub.addRepo("org/sharded", model("ft_a_bf16_sharded"));
        try (ModelFolder f = t.models().open("org/sharded", null, "model")) {
            try (ModelFolder local = ModelFolder.open(model("ft_a_bf16_sharded"))) {
                assertThat(f.tensors().keySet()).containsExactlyInAnyOrderElementsOf(local.tensors().keySet());
                local.tensors().forEach((name, loc) -> {
                    var remote = f.tensors().get(name);
                    assertThat(remote.info().dtype()).isEqualTo(loc.info().dtype());
                    assertThat(remote.info().shape()).isEqualTo(loc.info().shape());
                    assertThat(remote.shard().getFileName()).isEqualTo(loc.shard().getFileName());
                });
            }
            Path snap = t.cacheRepo("org/sharded").resolve("snapshots").resolve(c);
            assertThat(f.dir()).isEqualTo(snap);
            assertThat(snap.resolve("config.json")).exists();
            assertThat(snap.resolve(ModelFolder.INDEX_FILE)).exists();
            assertThat(snap.resolve("model-00001-of-00003.safetensors")).doesNotExist();
        }
        List<FakeHub.Request> cdn = hub.requestsTo(r -> r.server().equals("cdn"));
        assertThat(cdn).hasSize(3).allMatch(r -> "bytes=0-100000".equals(r.range()));
    }

    @Test
    void aHeaderLargerThanTheFirstRangeIsReadWithASecondRange() throws Exception {
        // A header of about 150 kB: many tiny tensors with long names.
        Path dir = tmp.resolve("wide");
        Files.createDirectories(dir);
        var specs = new java.util.ArrayList<dev.amalgam.io.safetensors.TensorSpec>();
        for (int i = 0; i < 1500; i++) {
            specs.add(new dev.amalgam.io.safetensors.TensorSpec("model.layers.0.some_rather_long_tensor_name_"
                    + "x".repeat(40) + i, dev.amalgam.tensor.DType.F32, new long[]{1}));
        }
        try (var w = dev.amalgam.io.safetensors.SafetensorsWriter.create(dir.resolve("model.safetensors"), specs,
                java.util.Map.of())) {
            for (var spec : specs) {
                w.write(spec.name(), 0, java.nio.ByteBuffer.allocate(4));
            }
            w.finish();
        }
        assertThat(Files.size(dir.resolve("model.safetensors"))).isGreaterThan(RemoteHeaders.FIRST_RANGE + 8);
        hub.addRepo("org/wide", dir);
        try (ModelFolder f = t.models().open("org/wide", null, "model")) {
            assertThat(f.tensors()).hasSize(1500);
        }
        assertThat(hub.requestsTo(r -> r.server().equals("cdn")).stream().map(FakeHub.Request::range).toList())
                .first().isEqualTo("bytes=0-100000");
        assertThat(hub.requestsTo(r -> r.server().equals("cdn")).get(1).range()).matches("bytes=8-\\d+");
    }

    @Test
    void severalFilesAreDownloadedInParallel() throws Exception {
        hub.addRepo("org/sharded", model("ft_a_bf16_sharded"));
        hub.rendezvous(3);
        Path snap = t.models().download("org/sharded", null, "model");
        assertThat(hub.maxConcurrentCdnRequests()).isEqualTo(3);
        try (ModelFolder f = ModelFolder.open(snap)) {
            assertThat(f.tensors()).hasSize(ModelFolder.open(model("ft_a_bf16_sharded")).tensors().size());
        }
    }

    @Test
    void aMissingFileIsMarkedInNoExist() throws Exception {
        var fd = new FileDownloader(t.http(), t.http().settings().cache());
        assertThat(fd.metadata("org/ft_a", commit, "tokenizer.model")).isEmpty();
        assertThat(t.cacheRepo("org/ft_a").resolve(".no_exist").resolve(commit).resolve("tokenizer.model")).exists();
    }

    @Test
    void aRenamedRepositoryIsFollowedThroughItsRelativeRedirectKeepingTheToken() throws Exception {
        hub.rename("org/old-name", "org/ft_a");
        var fd = new FileDownloader(t.http("HF_TOKEN", FakeHub.TOKEN), t.http().settings().cache());
        Path p = fd.fetch("org/old-name", commit, "config.json", TransferListener.NONE);
        assertThat(Files.readAllBytes(p)).isEqualTo(Files.readAllBytes(model("ft_a").resolve("config.json")));
        assertThat(hub.requestsTo(r -> r.path().startsWith("/org/ft_a/resolve")))
                .isNotEmpty().allMatch(r -> r.authorization() != null);
    }

    @Test
    void serverFileNamesThatEscapeTheCacheAreRefused() {
        assertThatThrownBy(() -> RepoInfo.parse("org/x", ("{\"sha\":\"" + commit + "\",\"siblings\":[{\"rfilename\":"
                + "\"../../evil\"}]}").getBytes(), java.net.URI.create("http://x")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("unsafe file names");
        assertThat(RepoPaths.problem("a/../b")).isNotNull();
        assertThat(RepoPaths.problem("/etc/passwd")).isNotNull();
        assertThat(RepoPaths.problem("C:evil")).isNotNull();
        assertThat(RepoPaths.problem("\\\\server\\share")).isNotNull();
        assertThat(RepoPaths.problem("sub/dir/file.json")).isNull();
    }
}
