package dev.amalgam.io.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.config.ModelReference;
import dev.amalgam.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void cacheRootFollowsHuggingFaceHubPrecedence() {
        assertThat(HfCache.fromEnvironment(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b")).root()).isEqualTo(Path.of("/a"));
        assertThat(HfCache.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/c", "HF_HOME", "/b")).root())
                .isEqualTo(Path.of("/c"));
        assertThat(HfCache.fromEnvironment(Map.of("HF_HOME", "/b")).root()).isEqualTo(Path.of("/b/hub"));
        assertThat(HfCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x")).root())
                .isEqualTo(Path.of("/x/huggingface/hub"));
        assertThat(HfCache.fromEnvironment(Map.of("HF_HOME", "$BASE/hf", "BASE", "/base")).root())
                .isEqualTo(Path.of("/base/hf/hub"));
    }

    @Test
    void repoIdResolvesThroughRefsToTheSnapshot() throws Exception {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = tmp.resolve("hub/models--org--model");
        Files.createDirectories(repo.resolve("snapshots/" + commit));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        Files.writeString(repo.resolve("refs/v1"), commit);
        var locator = new ModelLocator(tmp.resolve("work"), null, new HfCache(tmp.resolve("hub")));
        assertThat(locator.locate(ModelReference.parse("org/model"))).isEqualTo(repo.resolve("snapshots/" + commit));
        assertThat(locator.locate(ModelReference.parse("org/model@v1"))).isEqualTo(repo.resolve("snapshots/" + commit));
        assertThat(locator.locate(ModelReference.parse("org/model@" + commit)))
                .isEqualTo(repo.resolve("snapshots/" + commit));
        assertThat(locator.isInHubCache(repo.resolve("snapshots/" + commit))).isTrue();
        assertThatThrownBy(() -> locator.locate(ModelReference.parse("org/model@v2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("refs/v2")
                .hasMessageContaining("amalgam download org/model");
    }

    @Test
    void localPathsAreTriedInTheWorkingDirectoryThenBesideTheRecipe() throws Exception {
        Files.createDirectories(tmp.resolve("recipes/models/m"));
        Files.createDirectories(tmp.resolve("work"));
        var locator = new ModelLocator(tmp.resolve("work"), tmp.resolve("recipes"), new HfCache(tmp.resolve("hub")));
        assertThat(locator.locate(ModelReference.parse("./models/m"))).isEqualTo(tmp.resolve("recipes/models/m"));
        Files.createDirectories(tmp.resolve("work/models/m"));
        assertThat(locator.locate(ModelReference.parse("./models/m"))).isEqualTo(tmp.resolve("work/models/m"));
        assertThatThrownBy(() -> locator.locate(ModelReference.parse("./models/nope")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(tmp.resolve("work/models/nope").toString())
                .hasMessageContaining(tmp.resolve("recipes/models/nope").toString());
    }
}
