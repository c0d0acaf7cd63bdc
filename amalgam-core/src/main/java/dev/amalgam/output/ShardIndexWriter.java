package dev.amalgam.output;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.plan.TensorJob;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code model.safetensors.index.json} as mergekit does (compat.md §4): {@code total_size} is the sum of
 * tensor bytes, the weight map lists tensors in save order, two-space indentation.
 */
public final class ShardIndexWriter {
    public static final String VERSION = "0.1.0";

    private ShardIndexWriter() {
    }

    public static void write(Path dir, ShardLayout layout) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode meta = root.putObject("metadata");
        meta.put("total_size", layout.shards().stream().mapToLong(ShardLayout.Shard::bytes).sum());
        meta.put("amalgam_version", VERSION);
        ObjectNode map = root.putObject("weight_map");
        for (ShardLayout.Shard s : layout.shards()) {
            for (TensorJob j : s.jobs()) {
                map.put(j.outputName(), s.fileName());
            }
        }
        Path file = dir.resolve("model.safetensors.index.json");
        try {
            Files.writeString(file, Json.pythonStyleWriter().writeValueAsString(root));
        } catch (IOException e) {
            throw new IoFailureException("cannot write " + file + ": " + dev.amalgam.error.IoMessages.describe(e), e);
        }
    }
}
