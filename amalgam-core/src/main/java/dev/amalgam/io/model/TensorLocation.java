package dev.amalgam.io.model;

import dev.amalgam.io.safetensors.TensorInfo;
import java.nio.file.Path;

/** Where one tensor of a model lives: its shard file and its header entry. */
public record TensorLocation(Path shard, TensorInfo info) {
}
