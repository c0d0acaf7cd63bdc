package dev.amalgam.io.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A {@code model.safetensors.index.json} (formats.md §2.1): tensor name to shard file. The index is untrusted
 * data, so shard names are checked before they are joined to the model folder (§2.3): no absolute paths, no
 * {@code ..}, no backslashes or drive letters.
 */
public record ShardIndex(Path file, Map<String, String> weightMap) {

    public static ShardIndex read(Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException("shard index " + file + " does not exist");
        } catch (JsonProcessingException e) {
            throw new BadInputException("shard index " + file + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + "). Re-download the model or fix the file.");
        } catch (IOException e) {
            throw new IoFailureException("cannot read shard index " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException("shard index " + file + " must be a JSON object with a \"weight_map\"");
        }
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new BadInputException("shard index " + file + " has no \"weight_map\" object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new BadInputException("shard index " + file + ": weight_map entry for tensor '" + e.getKey()
                        + "' must be a shard file name (a string), found " + e.getValue().getNodeType());
            }
            String shard = e.getValue().asText();
            checkShardName(file, e.getKey(), shard);
            weightMap.put(e.getKey(), shard);
        }
        return new ShardIndex(file, Collections.unmodifiableMap(weightMap));
    }

    /** Shard file names, sorted and distinct (the loader contract of transformers). */
    public TreeSet<String> shardNames() {
        return new TreeSet<>(weightMap.values());
    }

    private static void checkShardName(Path file, String tensor, String shard) {
        boolean bad = shard.isEmpty()
                || shard.startsWith("/")
                || shard.contains("\\")
                || shard.matches("^[A-Za-z]:.*")
                || shard.equals("..")
                || shard.startsWith("../")
                || shard.contains("/../")
                || shard.endsWith("/..")
                || shard.contains("\0");
        if (bad) {
            throw new BadInputException("shard index " + file + ": tensor '" + tensor + "' names shard '" + shard
                    + "', which is not a plain relative file name inside the model folder (refused: it could point"
                    + " outside the folder)");
        }
    }
}
