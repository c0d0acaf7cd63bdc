package dev.amalgam.io.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.config.ModelReference;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.model.HfCache;
import dev.amalgam.io.model.HubSource;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.ModelLocator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Environment variables, URL shapes and patterns, as huggingface_hub defines them (formats.md §3–§4). */
class HubSettingsTest {
    @TempDir
    Path tmp;

    private Map<String, String> env(String... kv) {
        Map<String, String> m = HubTestSupport.map(kv);
        m.putIfAbsent("HF_HOME", tmp.resolve("home").toString());
        return m;
    }

    @Test
    void endpointTokenAndOfflineFollowTheEnvironment() throws Exception {
        HubSettings d = HubSettings.fromEnvironment(env());
        assertThat(d.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(d.token()).isNull();
        assertThat(d.offline()).isFalse();
        assertThat(d.cache().root()).isEqualTo(tmp.resolve("home/hub"));

        assertThat(HubSettings.fromEnvironment(env("HF_ENDPOINT", "http://mirror.example:8080//")).endpoint())
                .isEqualTo(URI.create("http://mirror.example:8080"));
        for (String on : List.of("1", "true", "YES", "on")) {
            assertThat(HubSettings.fromEnvironment(env("HF_HUB_OFFLINE", on)).offline()).as(on).isTrue();
        }
        assertThat(HubSettings.fromEnvironment(env("HF_HUB_OFFLINE", "0")).offline()).isFalse();
        assertThatThrownBy(() -> HubSettings.fromEnvironment(env("HF_ENDPOINT", "huggingface.co")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> HubSettings.fromEnvironment(env("HF_ENDPOINT", "http://bad host")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not a URL");

        Files.createDirectories(tmp.resolve("home"));
        Files.writeString(tmp.resolve("home/token"), "  hf_from_file\r\n");
        assertThat(HubSettings.fromEnvironment(env()).token()).isEqualTo("hf_from_file");
        assertThat(HubSettings.fromEnvironment(env("HUGGING_FACE_HUB_TOKEN", "hf_legacy")).token()).isEqualTo("hf_legacy");
        assertThat(HubSettings.fromEnvironment(env("HF_TOKEN", "hf_env", "HUGGING_FACE_HUB_TOKEN", "hf_legacy")).token())
                .isEqualTo("hf_env");
        Files.writeString(tmp.resolve("elsewhere"), "hf_path\n");
        assertThat(HubSettings.fromEnvironment(env("HF_TOKEN_PATH", tmp.resolve("elsewhere").toString())).token())
                .isEqualTo("hf_path");
        Files.writeString(tmp.resolve("home/token"), "\n");
        assertThat(HubSettings.fromEnvironment(env()).token()).isNull();
    }

    @Test
    void theDownloadIdleTimeoutFollowsHfHubDownloadTimeout() {
        assertThat(RetryPolicy.fromEnvironment(Map.of()).idleTimeout()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(RetryPolicy.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "30")).idleTimeout())
                .isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(RetryPolicy.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "0.5")).idleTimeout())
                .isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(RetryPolicy.fromEnvironment(Map.of("HF_HUB_DOWNLOAD_TIMEOUT", "soon")).idleTimeout())
                .isEqualTo(java.time.Duration.ofMinutes(2));
    }

    @Test
    void urlsEncodeRevisionsWithNothingSafeAndPathsKeepingSlashes() {
        URI e = URI.create("https://hf.example");
        assertThat(HubUrls.resolve(e, "org/m", "refs/pr/1", "sub dir/a+b.json").toString())
                .isEqualTo("https://hf.example/org/m/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.json");
        assertThat(HubUrls.modelInfo(e, "org/m", "v1.0").toString())
                .isEqualTo("https://hf.example/api/models/org/m/revision/v1.0?blobs=true");
        assertThat(HubUrls.lfsBatch(e, "org/m").toString()).isEqualTo("https://hf.example/org/m.git/info/lfs/objects/batch");
        assertThat(FileDownloader.normalizeEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(FileDownloader.normalizeEtag("\"abc\"")).isEqualTo("abc");
    }

    @Test
    void proxyVariablesAreHonouredWithNoProxyExceptions() {
        assertThat(ProxySettings.fromEnvironment(Map.of())).isNull();
        var p = ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy.corp:3128", "http_proxy",
                "plain.corp:8080", "NO_PROXY", "localhost, .internal.corp,mirror.example:443"));
        assertThat(p.proxyFor(URI.create("https://huggingface.co/x"))).isEqualTo(URI.create("http://proxy.corp:3128"));
        assertThat(p.proxyFor(URI.create("https://cdn-lfs.hf.co/x"))).isEqualTo(URI.create("http://proxy.corp:3128"));
        assertThat(p.proxyFor(URI.create("http://other.example/x"))).isEqualTo(URI.create("http://plain.corp:8080"));
        assertThat(p.proxyFor(URI.create("http://localhost:8000/x"))).isNull();
        assertThat(p.proxyFor(URI.create("https://hub.internal.corp/x"))).isNull();
        assertThat(p.proxyFor(URI.create("https://mirror.example/x"))).isNull();
        assertThat(p.proxyFor(URI.create("https://notmirror.example/x"))).isEqualTo(URI.create("http://proxy.corp:3128"));
        assertThat(p.select(URI.create("https://huggingface.co")).get(0).address().toString()).contains("proxy.corp")
                .contains("3128");
        var all = ProxySettings.fromEnvironment(Map.of("all_proxy", "socksless.corp:1080", "no_proxy", "*"));
        assertThat(all.proxyFor(URI.create("https://huggingface.co"))).isNull();
        assertThat(ProxySettings.fromEnvironment(Map.of("ALL_PROXY", "http://a.corp:1"))
                .proxyFor(URI.create("https://huggingface.co"))).isEqualTo(URI.create("http://a.corp:1"));
    }

    @Test
    void patternsHaveFnmatchMeaning() {
        assertThat(Globs.matches("sub/config.json", "*.json")).isTrue();
        assertThat(Globs.matches("model-00001.safetensors", "model-0000?.safetensors")).isTrue();
        assertThat(Globs.matches("onnx/model.onnx", "onnx/")).isTrue();
        assertThat(Globs.matches("a.bin", "*.[bp]in")).isTrue();
        assertThat(Globs.matches("a.pin", "*.[!p]in")).isFalse();
        assertThat(Globs.matches("config.json", "*.safetensors")).isFalse();
        assertThat(Globs.matches("a.b", "a?b")).isTrue();
        assertThat(Globs.matches("a(b", "a(b")).isTrue();
    }

    @Test
    void aTypoedRelativePathNamesTheLocalFoldersItWasLookedForIn() {
        HubSource none = new HubSource() {
            @Override
            public ModelFolder open(String repoId, String revision, String what) {
                throw new ConfigException("'" + repoId + "' was not found on the Hub");
            }

            @Override
            public Path download(String repoId, String revision, String what) {
                throw new AssertionError("not used");
            }
        };
        var locator = new ModelLocator(tmp.resolve("work"), tmp.resolve("recipes"), new HfCache(tmp.resolve("c")), none);
        assertThatThrownBy(() -> locator.open(ModelReference.parse("models/ft_x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("was not found on the Hub")
                .hasMessageContaining(tmp.resolve("work/models/ft_x").toString())
                .hasMessageContaining(tmp.resolve("recipes/models/ft_x").toString());
    }
}
