package dev.amalgam.exec;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.merge.SideTensor;
import dev.amalgam.plan.SideLocation;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;

/**
 * A side-input tensor read from its memory-mapped file and converted to float32 on the fly; a view smaller than the
 * stored tensor (its input is a truncated embedding) is read row by row from the top-left sub-matrix.
 */
final class MappedSideTensor implements SideTensor {
    private final SideLocation loc;
    private final MemorySegment segment;
    private final DType dtype;
    private final long storedCols;
    private final Kernels kernels = Kernels.active();

    MappedSideTensor(SideLocation loc) {
        this.loc = loc;
        this.segment = loc.file().bytes(loc.info());
        this.dtype = loc.info().dtype();
        long[] stored = loc.info().shape();
        this.storedCols = Arrays.equals(stored, loc.viewShape()) ? -1 : stored[1];
    }

    @Override
    public long[] shape() {
        return loc.viewShape().clone();
    }

    @Override
    public void read(long offset, float[] dst, int dstOffset, int n) {
        if (storedCols < 0) {
            kernels.toFloat(dtype, segment, offset * dtype.byteSize(), dst, dstOffset, n);
            return;
        }
        SubMatrixRuns.forEach(offset, n, loc.viewShape()[1], storedCols, (stored, done, run) ->
                kernels.toFloat(dtype, segment, stored * dtype.byteSize(), dst, dstOffset + done, run));
    }

    @Override
    public Map<String, String> fileMetadata() {
        return loc.file().metadata();
    }

    @Override
    public double fileL2Norm() {
        return loc.file().l2Norm();
    }
}
