package dev.amalgam.io.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.BadInputException;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
    @TempDir
    Path tmp;

    @Test
    void readsAShardedModelThroughItsIndex() {
        try (ModelFolder m = ModelFolder.open(TestResources.golden().resolve("models/ft_a_bf16_sharded"))) {
            assertThat(m.tensors()).hasSize(39);
            assertThat(m.tensor("lm_head.weight")).get().extracting(t -> t.shard().getFileName().toString())
                    .isEqualTo("model-00003-of-00003.safetensors");
            assertThat(m.config()).get().extracting(c -> c.get("num_hidden_layers").asInt()).isEqualTo(4);
        }
    }

    private Path shardedCopy() throws Exception {
        Path src = TestResources.golden().resolve("models/ft_a_bf16_sharded");
        Path dst = tmp.resolve("m");
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path p : files.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    private void editIndex(Path dir, String from, String to) throws Exception {
        Path idx = dir.resolve("model.safetensors.index.json");
        String text = Files.readString(idx);
        assertThat(text).contains(from);
        Files.writeString(idx, text.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
    }

    @Test
    void indexNamingAMissingShardIsRejected() throws Exception {
        Path m = shardedCopy();
        Files.delete(m.resolve("model-00002-of-00003.safetensors"));
        assertThatThrownBy(() -> ModelFolder.open(m)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model-00002-of-00003.safetensors").hasMessageContaining("does not exist");
    }

    @Test
    void shardPathEscapingTheFolderIsRejected() throws Exception {
        Path m = shardedCopy();
        editIndex(m, "\"model-00003-of-00003.safetensors\"", "\"../evil.safetensors\"");
        assertThatThrownBy(() -> ModelFolder.open(m)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("../evil.safetensors").hasMessageContaining("outside the folder");
    }

    @Test
    void tensorListedButAbsentFromItsShardIsRejected() throws Exception {
        Path m = shardedCopy();
        editIndex(m, "\"lm_head.weight\": \"model-00003-of-00003.safetensors\"",
                "\"lm_head.weight\": \"model-00001-of-00003.safetensors\"");
        assertThatThrownBy(() -> ModelFolder.open(m)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("lm_head.weight").hasMessageContaining("does not contain it");
    }

    @Test
    void pickleOnlyFolderGetsAnExplanation() throws Exception {
        Files.createDirectories(tmp.resolve("p"));
        Files.writeString(tmp.resolve("p/pytorch_model.bin"), "x");
        assertThatThrownBy(() -> ModelFolder.open(tmp.resolve("p"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("convert the model to safetensors");
    }

    @Test
    void singleFileWinsOverAnIndexWithAWarning() throws Exception {
        Path m = TinyModel.llama(1).write(tmp.resolve("t"));
        Files.writeString(m.resolve("model.safetensors.index.json"), "{\"weight_map\": {}}");
        try (ModelFolder f = ModelFolder.open(m)) {
            assertThat(f.warnings()).anyMatch(w -> w.contains("both"));
            assertThat(f.tensors()).containsKey("lm_head.weight");
        }
    }
}
