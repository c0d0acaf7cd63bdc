package dev.amalgam.exec;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Rounds a method's float32 results once to the output dtype and writes them at their place in the shard. The
 * bytes pass through one small native buffer per worker thread (at most {@link ElementwiseMethod#CHUNK} elements,
 * whatever the method hands over), so a whole-tensor method's output is never duplicated in memory and the
 * write is a direct-buffer {@code pwrite}, without the JDK's hidden copy of heap buffers.
 */
final class ShardTensorOutput implements TensorOutput {
    private static final int PIECE = ElementwiseMethod.CHUNK;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate((long) PIECE * Double.BYTES, 64));

    private final SafetensorsWriter writer;
    private final String name;
    private final DType dtype;
    private final Kernels kernels = Kernels.active();

    ShardTensorOutput(SafetensorsWriter writer, String name, DType dtype) {
        this.writer = writer;
        this.name = name;
        this.dtype = dtype;
    }

    @Override
    public void write(long offset, float[] src, int srcOffset, int n) {
        MemorySegment scratch = SCRATCH.get();
        int size = dtype.byteSize();
        for (int done = 0; done < n; done += PIECE) {
            int m = Math.min(PIECE, n - done);
            MemorySegment seg = scratch.asSlice(0, (long) m * size);
            kernels.fromFloat(dtype, src, srcOffset + done, m, seg, 0);
            writer.write(name, (offset + done) * size, seg);
        }
    }
}
