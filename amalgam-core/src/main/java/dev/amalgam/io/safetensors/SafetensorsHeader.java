package dev.amalgam.io.safetensors;

import java.nio.file.Path;
import java.util.Map;

/**
 * A validated safetensors header.
 *
 * @param headerLength N, the JSON header's byte length
 * @param tensors      in ascending offset order
 */
public record SafetensorsHeader(Path path, long headerLength, Map<String, String> metadata,
                                Map<String, TensorInfo> tensors) {
    /** Absolute file offset of the data section. */
    public long dataStart() {
        return 8 + headerLength;
    }
}
