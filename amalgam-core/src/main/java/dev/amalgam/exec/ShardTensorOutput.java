package dev.amalgam.exec;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;

/** Rounds a method's float32 results once to the output dtype and writes them at their place in the shard. */
final class ShardTensorOutput implements TensorOutput {
    private final SafetensorsWriter writer;
    private final String name;
    private final DType dtype;
    private byte[] buffer = new byte[0];

    ShardTensorOutput(SafetensorsWriter writer, String name, DType dtype) {
        this.writer = writer;
        this.name = name;
        this.dtype = dtype;
    }

    @Override
    public void write(long offset, float[] src, int srcOffset, int n) {
        int bytes = n * dtype.byteSize();
        if (buffer.length < bytes) {
            buffer = new byte[bytes];
        }
        MemorySegment seg = MemorySegment.ofArray(buffer).asSlice(0, bytes);
        Conversions.fromFloat(dtype, src, srcOffset, n, seg, 0);
        writer.write(name, offset * dtype.byteSize(), seg);
    }
}
