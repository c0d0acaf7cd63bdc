package dev.amalgam.io.peft;

import dev.amalgam.error.BadInputException;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole LoRA adapter read into memory (adapters are small: a rank-16 adapter of an 8B model is ~80 MB), for
 * tools that transform adapters themselves ({@code amalgam lora merge}) rather than apply them to a base.
 *
 * @param dtype the storage dtype of the first lora_A tensor (what a derived adapter is written in by default)
 * @param whole tensors saved whole (modules_to_save copies, trained biases), by the base tensor name they replace
 */
public record LoadedAdapter(Path dir, LoraConfig config, Map<String, LoraFactors> modules, DType dtype,
                            Map<String, TensorInfo> whole) {

    public static LoadedAdapter read(Path dir) {
        LoraAdapter adapter = LoraAdapter.open(dir);
        LoraConfig config = adapter.config();
        LoraAdapter.Contents contents = adapter.contents();
        Map<String, LoraFactors> modules = new LinkedHashMap<>();
        DType dtype = null;
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            for (LoraAdapter.Module m : contents.modules().values()) {
                if (m.magnitude() != null) {
                    throw new BadInputException("LoRA adapter " + dir + ", module '" + m.module() + "': is a DoRA"
                            + " adapter (lora_magnitude_vector); DoRA's row normalisation is not linear in the update,"
                            + " so DoRA adapters cannot be combined as LoRA updates");
                }
                LoraLayout layout = m.embedding() ? LoraLayout.EMBEDDING
                        : config.fanInFanOut() ? LoraLayout.FAN_IN_FAN_OUT : LoraLayout.LINEAR;
                if (dtype == null) {
                    dtype = m.a().dtype();
                }
                modules.put(m.module(), new LoraFactors(m.module(), layout, m.rank(), (int) m.out(), (int) m.in(),
                        floats(file, m.a()), floats(file, m.b()), config.scaleFor(m.module()),
                        m.bBias() == null ? null : floats(file, m.bBias())));
            }
        }
        return new LoadedAdapter(dir, config, modules, dtype == null ? DType.F32 : dtype, contents.whole());
    }

    private static float[] floats(SafetensorsFile file, TensorInfo t) {
        if (t.numel() > Integer.MAX_VALUE - 8) {
            throw new BadInputException(file.path() + ": tensor '" + t.name() + "' is too large for a LoRA factor");
        }
        float[] v = new float[(int) t.numel()];
        Conversions.toFloat(t.dtype(), file.bytes(t), 0, v, 0, v.length);
        return v;
    }
}
