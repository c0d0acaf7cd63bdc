package dev.amalgam.io.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A PEFT LoRA adapter folder ({@code adapter_config.json} + {@code adapter_model.safetensors}, formats.md §6),
 * checked against the base model it is applied to. {@link #bind} returns, per base tensor it changes, either a
 * replacement tensor (modules_to_save, trained biases) or a transform that adds the low-rank update as the base
 * tensor is read — so {@code model+lora} in a recipe never needs a merged copy on disk.
 */
public final class LoraAdapter {
    private static final String PREFIX = "base_model.model.";

    private final Path dir;
    private final LoraConfig config;
    private final SafetensorsHeader header;

    private LoraAdapter(Path dir, LoraConfig config, SafetensorsHeader header) {
        this.dir = dir;
        this.config = config;
        this.header = header;
    }

    public static LoraAdapter open(Path dir) {
        Path cfgFile = dir.resolve("adapter_config.json");
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException("LoRA adapter folder " + dir + " has no adapter_config.json");
        }
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (it has adapter_model.bin, a pickle, which Amalgam does not load: convert it to safetensors)" : "";
            throw new BadInputException("LoRA adapter folder " + dir + " has no adapter_model.safetensors" + hint);
        }
        LoraConfig config;
        try {
            config = LoraConfig.parse(cfgFile, Json.MAPPER.readTree(Files.readString(cfgFile)));
        } catch (JsonProcessingException e) {
            throw new BadInputException(cfgFile + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IoFailureException("cannot read " + cfgFile + ": " + e.getMessage(), e);
        }
        return new LoraAdapter(dir, config, SafetensorsFile.readHeader(weights));
    }

    public Path dir() {
        return dir;
    }

    public LoraConfig config() {
        return config;
    }

    /** What the adapter does to one base tensor. */
    public sealed interface Patch permits Replacement, Update {
    }

    /** The base tensor is replaced by one stored in the adapter. */
    public record Replacement(TensorLocation location) implements Patch {
    }

    /** The base tensor is read and transformed. */
    public record Update(dev.amalgam.merge.TensorTransform transform) implements Patch {
    }

    /**
     * The low-rank pieces of one module as found in the adapter file, checked against each other and against
     * adapter_config.json (A and B both present, matching ranks, module targeted), but not against a base model.
     *
     * @param module    the base model's module path, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param embedding stored as {@code lora_embedding_A/B}
     * @param bBias     {@code lora_B.bias}, or null
     * @param magnitude DoRA's {@code lora_magnitude_vector}, or null
     */
    public record Module(String module, TensorInfo a, TensorInfo b, TensorInfo bBias, TensorInfo magnitude,
                         boolean embedding) {
        public int rank() {
            return (int) a.shape()[0];
        }

        /** The update's (out, in) in B·A orientation. */
        public long out() {
            return b.shape()[0];
        }

        public long in() {
            return a.shape()[1];
        }
    }

    /**
     * The adapter's tensors sorted into low-rank modules and tensors saved whole ({@code modules_to_save} copies
     * and trained biases, keyed by the base tensor name they replace).
     */
    public record Contents(Map<String, Module> modules, Map<String, TensorInfo> whole) {
    }

    private static final class Pieces {
        TensorInfo a;
        TensorInfo b;
        TensorInfo bBias;
        TensorInfo magnitude;
        boolean embedding;
    }

    /** Sorts and checks the adapter's tensors without looking at any base model; errors name file and tensor. */
    public Contents contents() {
        Path file = header.path();
        Map<String, Pieces> pieces = new TreeMap<>();
        Map<String, TensorInfo> whole = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors().values()) {
            String name = t.name();
            if (!name.startsWith(PREFIX)) {
                throw new BadInputException("LoRA adapter " + file + ": tensor '" + name + "' does not start with '"
                        + PREFIX + "', so it cannot be matched to the base model");
            }
            String path = name.substring(PREFIX.length()).replace(".default.", ".");
            String[] suffixes = {".lora_A.weight", ".lora_B.weight", ".lora_B.bias", ".lora_embedding_A",
                    ".lora_embedding_B", ".lora_magnitude_vector", ".lora_magnitude_vector.weight"};
            String matched = null;
            for (String s : suffixes) {
                if (path.endsWith(s)) {
                    matched = s;
                    break;
                }
            }
            if (matched == null) {
                // a tensor saved whole: modules_to_save copies or trained biases replace the base tensor
                whole.put(path.replace(".modules_to_save.", ".").replace(".base_layer.", "."), t);
                continue;
            }
            String module = path.substring(0, path.length() - matched.length());
            Pieces m = pieces.computeIfAbsent(module, k -> new Pieces());
            switch (matched) {
                case ".lora_A.weight" -> m.a = t;
                case ".lora_B.weight" -> m.b = t;
                case ".lora_B.bias" -> m.bBias = t;
                case ".lora_embedding_A" -> {
                    m.a = t;
                    m.embedding = true;
                }
                case ".lora_embedding_B" -> {
                    m.b = t;
                    m.embedding = true;
                }
                default -> m.magnitude = t;
            }
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        pieces.forEach((module, m) -> modules.put(module, check(file, module, m)));
        return new Contents(modules, whole);
    }

    private Module check(Path file, String module, Pieces m) {
        String where = "LoRA adapter " + file + ", module '" + module + "'";
        if (m.a == null || m.b == null) {
            throw new BadInputException(where + ": has " + (m.a == null ? "lora_B but no lora_A" : "lora_A but no lora_B")
                    + "; the adapter is incomplete");
        }
        if (!config.targets().targets(module)) {
            throw new BadInputException(where + ": has LoRA tensors, but adapter_config.json's target_modules "
                    + config.targets() + " does not include it; the config and the tensors disagree");
        }
        if (m.a.shape().length != 2 || m.b.shape().length != 2) {
            throw new BadInputException(where + ": lora_A " + m.a.shapeString() + " and lora_B " + m.b.shapeString()
                    + " must both be 2-D (Conv2d/Conv3d LoRA is not supported)");
        }
        int r = (int) m.a.shape()[0];
        if (m.b.shape()[1] != r) {
            throw new BadInputException(where + ": lora_A has rank " + r + " but lora_B " + m.b.shapeString()
                    + " has " + m.b.shape()[1] + " columns");
        }
        int configured = config.rankFor(module);
        if (configured != r) {
            throw new BadInputException(where + ": the tensors have rank " + r + " but adapter_config.json says "
                    + configured + " (r or rank_pattern)");
        }
        return new Module(module, m.a, m.b, m.bBias, m.magnitude, m.embedding);
    }

    /**
     * Matches every adapter tensor to the base model's tensors, checking names, ranks and shapes, and returns the
     * patches keyed by base tensor name. Errors name the adapter file and tensor.
     */
    public Map<String, Patch> bind(ModelFolder base) {
        Path file = header.path();
        Contents contents = contents();
        Map<String, Patch> patches = new LinkedHashMap<>();
        contents.whole().forEach((baseName, t) -> {
            TensorLocation baseLoc = base.tensor(baseName).orElseThrow(() -> new BadInputException(
                    "LoRA adapter " + file + ": tensor '" + t.name() + "' replaces '" + baseName
                            + "', which the base model " + base.dir() + " does not have"));
            if (!Arrays.equals(baseLoc.info().shape(), t.shape())) {
                throw new BadInputException("LoRA adapter " + file + ": tensor '" + t.name() + "' has shape "
                        + t.shapeString() + " but the base's '" + baseName + "' is " + baseLoc.info().shapeString());
            }
            patches.put(baseName, new Replacement(new TensorLocation(file, t)));
        });
        for (Module m : contents.modules().values()) {
            bindModule(base, file, m, patches);
        }
        return patches;
    }

    private void bindModule(ModelFolder base, Path file, Module m, Map<String, Patch> patches) {
        String module = m.module();
        String where = "LoRA adapter " + file + ", module '" + module + "'";
        String weightName = module + ".weight";
        TensorLocation w = base.tensor(weightName).orElseThrow(() -> new BadInputException(where
                + ": the base model " + base.dir() + " has no tensor '" + weightName + "'; the adapter was made for"
                + " another model"));
        long[] ws = w.info().shape();
        long[] as = m.a().shape();
        long[] bs = m.b().shape();
        int r = m.rank();
        if (ws.length != 2) {
            throw new BadInputException(where + ": only 2-D weights can take a LoRA update (base " + w.info().shapeString()
                    + ", A " + m.a().shapeString() + ", B " + m.b().shapeString() + ")");
        }
        LoraLayout layout = m.embedding() ? LoraLayout.EMBEDDING
                : config.fanInFanOut() ? LoraLayout.FAN_IN_FAN_OUT : LoraLayout.LINEAR;
        long[] expected = layout.baseShape(bs[0], as[1]);
        if (layout == LoraLayout.FAN_IN_FAN_OUT && !Arrays.equals(expected, ws)
                && Arrays.equals(LoraLayout.LINEAR.baseShape(bs[0], as[1]), ws)) {
            // PEFT applies fan_in_fan_out per layer type: an nn.Linear in a Conv1D model (GPT-2's lm_head) is
            // stored (out, in) and PEFT turns the flag off for it [lora/layer.py Linear.__init__]
            layout = LoraLayout.LINEAR;
            expected = ws;
        }
        if (!Arrays.equals(expected, ws)) {
            throw new BadInputException(where + ": A " + m.a().shapeString() + " and B " + m.b().shapeString() + " give an "
                    + Arrays.toString(expected) + " update, but the base weight '" + weightName + "' is "
                    + w.info().shapeString() + (layout == LoraLayout.LINEAR && !config.fanInFanOut()
                    ? " (is fan_in_fan_out missing from adapter_config.json?)" : ""));
        }
        TensorLocation magnitude = null;
        if (m.magnitude() != null) {
            if (layout != LoraLayout.LINEAR) {
                throw new BadInputException(where + ": DoRA is supported for Linear layers only");
            }
            if (m.magnitude().numel() != ws[0]) {
                throw new BadInputException(where + ": the DoRA magnitude vector has " + m.magnitude().numel()
                        + " values but the layer has " + ws[0] + " outputs");
            }
            magnitude = new TensorLocation(file, m.magnitude());
        }
        double scale = config.scaleFor(module);
        patches.put(weightName, new Update(new LowRankDelta(layout, scale, r, ws, new TensorLocation(file, m.a()),
                new TensorLocation(file, m.b()), magnitude, base::bytes)));
        if (m.bBias() != null) {
            String biasName = module + ".bias";
            TensorLocation bias = base.tensor(biasName).orElseThrow(() -> new BadInputException(where
                    + ": has lora_B.bias but the base model has no '" + biasName + "'"));
            if (bias.info().numel() != m.bBias().numel()) {
                throw new BadInputException(where + ": lora_B.bias has " + m.bBias().numel() + " values, the base bias "
                        + bias.info().numel());
            }
            patches.put(biasName, new Update(new BiasDelta(scale, new TensorLocation(file, m.bBias()), base::bytes)));
        }
    }
}
