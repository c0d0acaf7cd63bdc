package dev.amalgam.exec;

import dev.amalgam.merge.SideTensor;
import dev.amalgam.plan.SideLocation;
import dev.amalgam.tensor.Conversions;
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
            Conversions.toFloat(dtype, segment, offset * dtype.byteSize(), dst, dstOffset, n);
            return;
        }
        long viewCols = loc.viewShape()[1];
        long pos = offset;
        int done = 0;
        while (done < n) {
            long row = pos / viewCols;
            long col = pos % viewCols;
            int run = (int) Math.min(n - done, viewCols - col);
            Conversions.toFloat(dtype, segment, (row * storedCols + col) * dtype.byteSize(), dst, dstOffset + done, run);
            done += run;
            pos += run;
        }
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
