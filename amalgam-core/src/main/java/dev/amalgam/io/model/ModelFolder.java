package dev.amalgam.io.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face model folder: {@code config.json} plus either {@code model.safetensors} or a shard index with its
 * shards (formats.md §2). Opening it reads and validates only the headers, so a recipe can be checked without
 * touching tensor data; shards are memory-mapped lazily on the first read of one of their tensors.
 */
public final class ModelFolder implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final ObjectNode config;
    private final Map<String, TensorLocation> tensors;
    private final List<String> warnings;
    private final Map<Path, SafetensorsFile> open = new ConcurrentHashMap<>();

    private ModelFolder(Path dir, ObjectNode config, Map<String, TensorLocation> tensors, List<String> warnings) {
        this.dir = dir;
        this.config = config;
        this.tensors = tensors;
        this.warnings = warnings;
    }

    /** Opens a model folder: reads config.json and every shard header, validating the index against them. */
    public static ModelFolder open(Path dir) {
        return open(dir, ModelFiles.local(dir));
    }

    /**
     * Opens a model folder whose weight files may not be on disk yet (a Hub model being validated before download):
     * config.json and the shard index are read from {@code dir}; which weight files exist and their headers come
     * from {@code files}. Tensor locations still point into {@code dir}, where the shards will be downloaded.
     */
    public static ModelFolder open(Path dir, ModelFiles files) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("model folder " + dir + " does not exist or is not a folder");
        }
        List<String> warnings = new ArrayList<>();
        ObjectNode config = readConfig(dir, warnings);
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        Map<String, TensorLocation> tensors;
        if (files.exists(SINGLE_FILE)) {
            if (files.exists(INDEX_FILE)) {
                warnings.add(dir + " has both " + SINGLE_FILE + " and " + INDEX_FILE + "; using " + SINGLE_FILE
                        + " as transformers does");
            }
            tensors = fromSingle(single, files);
        } else if (files.exists(INDEX_FILE)) {
            tensors = fromIndex(dir, ShardIndex.read(index), warnings, files);
        } else if (files.exists("pytorch_model.bin") || files.exists("pytorch_model.bin.index.json")) {
            throw new BadInputException("model folder " + dir + " holds only PyTorch pickle weights (pytorch_model*.bin)."
                    + " Amalgam does not unpickle (it can run arbitrary code); convert the model to safetensors first,"
                    + " e.g. with transformers: model.save_pretrained(dir, safe_serialization=True)");
        } else {
            throw new BadInputException("model folder " + dir + " has no " + SINGLE_FILE + " and no " + INDEX_FILE);
        }
        return new ModelFolder(dir, config, Collections.unmodifiableMap(tensors), List.copyOf(warnings));
    }

    private static ObjectNode readConfig(Path dir, List<String> warnings) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            warnings.add(dir + " has no config.json; the layer count is inferred from tensor names");
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(Files.readString(file));
            if (node == null || !node.isObject()) {
                throw new BadInputException(file + " must hold a JSON object");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + " is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new IoFailureException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, TensorLocation> fromSingle(Path file, ModelFiles files) {
        SafetensorsHeader header = files.header(SINGLE_FILE, file);
        Map<String, TensorLocation> out = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors().values()) {
            out.put(t.name(), new TensorLocation(file, t));
        }
        return out;
    }

    private static Map<String, TensorLocation> fromIndex(Path dir, ShardIndex index, List<String> warnings,
                                                         ModelFiles files) {
        Map<String, SafetensorsHeader> headers = new HashMap<>();
        for (String shard : index.shardNames()) {
            Path p = dir.resolve(shard).normalize();
            if (!p.startsWith(dir.normalize()) || !files.exists(shard)) {
                throw new BadInputException("shard index " + index.file() + " names shard '" + shard
                        + "', which does not exist in " + files.describe() + ". Re-download the missing shard.");
            }
            headers.put(shard, files.header(shard, p));
        }
        Map<String, TensorLocation> out = new LinkedHashMap<>();
        Map<String, String> owner = new HashMap<>();
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            SafetensorsHeader h = headers.get(e.getValue());
            TensorInfo info = h.tensors().get(e.getKey());
            if (info == null) {
                throw new BadInputException("shard index " + index.file() + " lists tensor '" + e.getKey()
                        + "' in " + e.getValue() + ", but that shard does not contain it");
            }
            out.put(e.getKey(), new TensorLocation(h.path(), info));
            owner.put(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, SafetensorsHeader> h : headers.entrySet()) {
            for (String name : h.getValue().tensors().keySet()) {
                String claimed = owner.get(name);
                if (claimed == null) {
                    warnings.add("tensor '" + name + "' is in shard " + h.getKey() + " but not in " + index.file()
                            + "; it is ignored, as transformers would ignore it");
                } else if (!claimed.equals(h.getKey())) {
                    throw new BadInputException("tensor '" + name + "' is stored in two shards of " + dir + ": "
                            + claimed + " (per the index) and " + h.getKey() + "; the model is inconsistent");
                }
            }
        }
        return out;
    }

    public Path dir() {
        return dir;
    }

    /** The parsed config.json, or empty when the folder has none. */
    public Optional<ObjectNode> config() {
        return Optional.ofNullable(config);
    }

    /** Every tensor of the model, in shard then offset order. */
    public Map<String, TensorLocation> tensors() {
        return tensors;
    }

    public Optional<TensorLocation> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public List<String> warnings() {
        return warnings;
    }

    /** The bytes of one tensor, memory-mapped (the shard is mapped on first use and stays mapped until close). */
    public MemorySegment bytes(TensorLocation loc) {
        SafetensorsFile f = open.computeIfAbsent(loc.shard(), SafetensorsFile::open);
        return f.bytes(f.tensors().get(loc.info().name()));
    }

    @Override
    public void close() {
        for (SafetensorsFile f : open.values()) {
            f.close();
        }
        open.clear();
    }
}
