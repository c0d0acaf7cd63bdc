package dev.amalgam.exec;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.tensor.DType;
import java.util.HashMap;
import java.util.Map;

/** A tensor's output plus its state slots in {@code optimizer_state.safetensors} (stored as {@code slot.name}). */
final class StatefulTensorOutput implements TensorOutput {
    private final TensorOutput main;
    private final SafetensorsWriter stateWriter;
    private final String name;
    private final Map<String, TensorOutput> slots = new HashMap<>();

    StatefulTensorOutput(TensorOutput main, SafetensorsWriter stateWriter, String name) {
        this.main = main;
        this.stateWriter = stateWriter;
        this.name = name;
    }

    /** The state file's name for slot {@code slot} of tensor {@code name}. */
    static String key(String slot, String name) {
        return slot + "." + name;
    }

    @Override
    public void write(long offset, float[] src, int srcOffset, int n) {
        main.write(offset, src, srcOffset, n);
    }

    @Override
    public TensorOutput state(String slot) {
        return slots.computeIfAbsent(slot, s -> new ShardTensorOutput(stateWriter, key(s, name), DType.F32));
    }
}
