package dev.amalgam.plan;

import dev.amalgam.io.safetensors.TensorInfo;

/**
 * Where one side tensor of a job is stored.
 *
 * @param viewShape the logical shape read: smaller than the stored one only when its input is an embedding
 *                  truncated to the shared vocabulary
 */
public record SideLocation(SideFile file, TensorInfo info, long[] viewShape) {
}
