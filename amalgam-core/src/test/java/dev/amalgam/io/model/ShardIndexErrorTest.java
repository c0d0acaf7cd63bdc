package dev.amalgam.io.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.BadInputException;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A sharded model whose index is inconsistent with its shards (formats.md §2.3): refused, naming files and tensor. */
class ShardIndexErrorTest {
    @TempDir
    Path dir;

    private void shard(String file, String... tensors) throws Exception {
        List<TensorSpec> specs = java.util.Arrays.stream(tensors).map(t -> new TensorSpec(t, DType.F32, new long[]{2}))
                .toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve(file), specs, Map.of("format", "pt"))) {
            for (TensorSpec s : specs) {
                w.write(s.name(), 0, MemorySegment.ofArray(new byte[8]));
            }
            w.finish();
        }
    }

    private void index(String weightMapJson) throws Exception {
        Files.writeString(dir.resolve(ModelFolder.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 24}, \"weight_map\": " + weightMapJson + "}\n");
    }

    @Test
    void aConsistentIndexOpens() throws Exception {
        shard("s1.safetensors", "x", "y");
        shard("s2.safetensors", "z");
        index("{\"x\": \"s1.safetensors\", \"y\": \"s1.safetensors\", \"z\": \"s2.safetensors\"}");
        try (ModelFolder m = ModelFolder.open(dir)) {
            assertThat(m.tensors()).containsOnlyKeys("x", "y", "z");
            assertThat(m.tensor("z")).get().extracting(t -> t.shard().getFileName().toString())
                    .isEqualTo("s2.safetensors");
        }
    }

    @Test
    void twoShardsHoldingOneTensor() throws Exception {
        shard("s1.safetensors", "x", "y");
        shard("s2.safetensors", "x", "z");
        index("{\"x\": \"s1.safetensors\", \"y\": \"s1.safetensors\", \"z\": \"s2.safetensors\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessage("tensor 'x' is stored in two shards of " + dir + ": s1.safetensors (per the index) and"
                        + " s2.safetensors; the model is inconsistent");
    }

    @Test
    void indexClaimingATensorForTwoShards() throws Exception {
        shard("s1.safetensors", "x");
        shard("s2.safetensors", "y");
        index("{\"x\": \"s1.safetensors\", \"y\": \"s2.safetensors\", \"x\": \"s2.safetensors\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("shard index " + dir.resolve(ModelFolder.INDEX_FILE))
                .hasMessageContaining("Duplicate field 'x'").hasMessageContaining("line 1");
    }

    @Test
    void tensorAbsentFromItsShard() throws Exception {
        shard("s1.safetensors", "x");
        shard("s2.safetensors", "y");
        index("{\"x\": \"s1.safetensors\", \"y\": \"s1.safetensors\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessage("shard index " + dir.resolve(ModelFolder.INDEX_FILE) + " lists tensor 'y' in"
                        + " s1.safetensors, but that shard does not contain it");
    }

    @Test
    void missingShard() throws Exception {
        shard("s1.safetensors", "x");
        index("{\"x\": \"s1.safetensors\", \"y\": \"s2.safetensors\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("names shard 's2.safetensors', which does not exist in " + dir)
                .hasMessageContaining("Re-download the missing shard");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../s1.safetensors", "sub/../../s1.safetensors", "/etc/passwd", "..\\\\s1.safetensors",
            "C:/s1.safetensors", ".."})
    void shardPathsThatCouldLeaveTheFolder(String shardName) throws Exception {
        shard("s1.safetensors", "x");
        index("{\"x\": \"" + shardName + "\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("tensor 'x' names shard")
                .hasMessageContaining("not a plain relative file name inside the model folder");
    }

    @Test
    void shardNamesDescendingIntoASubfolderAreAllowedWhenInside() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        shard("sub/s1.safetensors", "x");
        index("{\"x\": \"sub/s1.safetensors\"}");
        try (ModelFolder m = ModelFolder.open(dir)) {
            assertThat(m.tensors()).containsOnlyKeys("x");
        }
    }

    @Test
    void malformedIndexes() throws Exception {
        shard("s1.safetensors", "x");
        Path idx = dir.resolve(ModelFolder.INDEX_FILE);
        Files.writeString(idx, "{\"metadata\": {}}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessage("shard index " + idx + " has no \"weight_map\" object");
        Files.writeString(idx, "{\"weight_map\": {\"x\": 3}}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("weight_map entry for tensor 'x' must be a shard file name (a string)");
        Files.writeString(idx, "{\"weight_map\": {\"x\": \"s1.safetensors\",}\n");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("is not valid JSON").hasMessageContaining("(line 1)");
        Files.writeString(idx, "[]");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void corruptShardIsNamed() throws Exception {
        shard("s1.safetensors", "x");
        Files.write(dir.resolve("s2.safetensors"), new byte[]{1, 2, 3});
        index("{\"x\": \"s1.safetensors\", \"y\": \"s2.safetensors\"}");
        assertThatThrownBy(() -> ModelFolder.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("safetensors file " + dir.resolve("s2.safetensors"))
                .hasMessageContaining("too small");
    }
}
