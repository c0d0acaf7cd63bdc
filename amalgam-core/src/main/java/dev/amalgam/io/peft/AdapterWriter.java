package dev.amalgam.io.peft;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes a PEFT LoRA adapter folder (formats.md §6) that PEFT's {@code PeftModel.from_pretrained} and Amalgam's
 * {@code model+lora} both load: {@code adapter_model.safetensors} (metadata {@code format: pt}, never sharded),
 * {@code adapter_config.json} (sorted keys, two-space indent, as PEFT writes it) and an optional README card.
 *
 * <p>Every module is written with scaling 1: a module's own scale is folded into B (and its bias), {@code r} and
 * {@code lora_alpha} are the largest rank, and modules of another rank get equal {@code rank_pattern} and
 * {@code alpha_pattern} entries, so no loader can apply a different scale than the one meant (mergekit's
 * extract-lora does the same). The output appears atomically ({@link OutputFolder}).
 */
public final class AdapterWriter {
    private static final String PREFIX = "base_model.model.";

    /**
     * A tensor saved whole under a {@code modules_to_save} module, by its base tensor name, copied from its source
     * bytes (e.g. a memory-mapped fine-tune) in chunks, so a 2 GB embedding never has to fit in the heap.
     */
    public record WholeTensor(String name, long[] shape, DType sourceDtype, MemorySegment source) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final int CHUNK = 1 << 20;

    /**
     * What to write.
     *
     * @param modules       low-rank modules (their scale is folded into B)
     * @param whole         full tensors of the modules in {@code modulesToSave}
     * @param modulesToSave module paths saved whole
     * @param baseModel     base_model_name_or_path, or null
     * @param taskType      task_type, or null
     * @param readme        README.md text, or null for none
     */
    public record Adapter(List<LoraFactors> modules, List<WholeTensor> whole, List<String> modulesToSave,
                          boolean fanInFanOut, String baseModel, String taskType, DType dtype, String readme) {
    }

    private AdapterWriter() {
    }

    /** Writes the adapter into {@code target} (replacing it only with {@code force}) and returns the final path. */
    public static Path write(Path target, boolean force, Adapter adapter) {
        try (OutputFolder out = OutputFolder.create(target, force)) {
            writeInto(out.temp(), adapter);
            out.commit();
            return out.target();
        }
    }

    private static void writeInto(Path dir, Adapter adapter) {
        Map<String, float[]> values = new LinkedHashMap<>();
        List<TensorSpec> specs = new ArrayList<>();
        DType dt = adapter.dtype();
        for (LoraFactors f : adapter.modules()) {
            boolean emb = f.layout() == LoraLayout.EMBEDDING;
            String aName = PREFIX + f.module() + (emb ? ".lora_embedding_A" : ".lora_A.weight");
            String bName = PREFIX + f.module() + (emb ? ".lora_embedding_B" : ".lora_B.weight");
            specs.add(new TensorSpec(aName, dt, new long[]{f.rank(), f.in()}));
            specs.add(new TensorSpec(bName, dt, new long[]{f.out(), f.rank()}));
            values.put(aName, f.a());
            values.put(bName, scaled(f.b(), f.scale()));
            if (f.bias() != null) {
                String biasName = PREFIX + f.module() + ".lora_B.bias";
                specs.add(new TensorSpec(biasName, dt, new long[]{f.out()}));
                values.put(biasName, scaled(f.bias(), f.scale()));
            }
        }
        for (WholeTensor w : adapter.whole()) {
            specs.add(new TensorSpec(PREFIX + w.name(), dt, w.shape()));
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(weights, specs, Map.of("format", "pt"))) {
            for (var e : values.entrySet()) {
                float[] v = e.getValue();
                byte[] bytes = new byte[v.length * (dt.bits() / 8)];
                Conversions.fromFloat(dt, v, 0, v.length, MemorySegment.ofArray(bytes), 0);
                w.write(e.getKey(), 0, MemorySegment.ofArray(bytes));
            }
            for (WholeTensor t : adapter.whole()) {
                copy(w, PREFIX + t.name(), t, dt);
            }
            w.finish();
        }
        try {
            Files.writeString(dir.resolve("adapter_config.json"),
                    Json.pythonStyleWriter().writeValueAsString(config(adapter)) + "\n");
            if (adapter.readme() != null) {
                Files.writeString(dir.resolve("README.md"), adapter.readme());
            }
        } catch (IOException e) {
            throw new IoFailureException("cannot write the adapter files in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void copy(SafetensorsWriter w, String name, WholeTensor t, DType dt) {
        long n = t.numel();
        float[] buf = new float[(int) Math.min(CHUNK, n)];
        byte[] out = new byte[buf.length * dt.byteSize()];
        for (long done = 0; done < n; done += buf.length) {
            int len = (int) Math.min(buf.length, n - done);
            Conversions.toFloat(t.sourceDtype(), t.source(), done * t.sourceDtype().byteSize(), buf, 0, len);
            Conversions.fromFloat(dt, buf, 0, len, MemorySegment.ofArray(out), 0);
            w.write(name, done * dt.byteSize(), MemorySegment.ofArray(out).asSlice(0, (long) len * dt.byteSize()));
        }
    }

    private static float[] scaled(float[] v, double s) {
        if (s == 1) {
            return v;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * s);
        }
        return out;
    }

    static ObjectNode config(Adapter adapter) {
        int maxRank = 1;
        for (LoraFactors f : adapter.modules()) {
            maxRank = Math.max(maxRank, f.rank());
        }
        Map<String, Integer> pattern = new TreeMap<>();
        TreeSet<String> leaves = new TreeSet<>();
        boolean bias = false;
        for (LoraFactors f : adapter.modules()) {
            if (f.rank() != maxRank) {
                pattern.put(f.module(), f.rank());
            }
            leaves.add(f.module().substring(f.module().lastIndexOf('.') + 1));
            bias |= f.bias() != null;
        }
        // keys in sorted order: PEFT writes adapter_config.json with sort_keys=True
        ObjectNode c = Json.MAPPER.createObjectNode();
        ObjectNode alpha = c.putObject("alpha_pattern");
        pattern.forEach(alpha::put);
        if (adapter.baseModel() == null) {
            c.putNull("base_model_name_or_path");
        } else {
            c.put("base_model_name_or_path", adapter.baseModel());
        }
        c.put("bias", "none");
        c.put("fan_in_fan_out", adapter.fanInFanOut());
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("lora_alpha", maxRank);
        c.put("lora_bias", bias);
        c.put("lora_dropout", 0.0);
        if (adapter.modulesToSave().isEmpty()) {
            c.putNull("modules_to_save");
        } else {
            ArrayNode mts = c.putArray("modules_to_save");
            adapter.modulesToSave().forEach(mts::add);
        }
        c.put("peft_type", "LORA");
        c.put("r", maxRank);
        ObjectNode rank = c.putObject("rank_pattern");
        pattern.forEach(rank::put);
        ArrayNode targets = c.putArray("target_modules");
        leaves.forEach(targets::add);
        if (adapter.taskType() == null) {
            c.putNull("task_type");
        } else {
            c.put("task_type", adapter.taskType());
        }
        c.put("use_dora", false);
        c.put("use_rslora", false);
        return c;
    }
}
