package dev.amalgam.exec;

import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorTransform;
import dev.amalgam.plan.JobInput;
import dev.amalgam.plan.TensorJob;
import dev.amalgam.kernel.Kernels;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The inputs of a tensor job, read straight from the memory-mapped shards and converted to float32 on the fly.
 * An input whose logical shape is smaller than the stored one (an embedding truncated to the shared vocabulary)
 * is read row by row from the top-left sub-matrix. A LoRA update attached to an input is applied as it is read.
 * Safe for concurrent reads of different ranges (the executor splits large tensors across threads).
 */
final class MappedTensorInputs implements TensorInputs {
    private final TensorJob job;
    private final MemorySegment[] segments;
    private final DType[] dtypes;
    private final long[] storedCols;
    private final TensorTransform[] transforms;
    private final Kernels kernels = Kernels.active();

    MappedTensorInputs(TensorJob job) {
        this.job = job;
        List<JobInput> in = job.inputs();
        segments = new MemorySegment[in.size()];
        dtypes = new DType[in.size()];
        storedCols = new long[in.size()];
        transforms = new TensorTransform[in.size()];
        for (int i = 0; i < in.size(); i++) {
            JobInput input = in.get(i);
            segments[i] = input.model().folder().bytes(input.location());
            dtypes[i] = input.location().info().dtype();
            long[] stored = input.location().info().shape();
            storedCols[i] = java.util.Arrays.equals(stored, input.viewShape()) ? -1 : stored[1];
            transforms[i] = input.transform();
            if (transforms[i] != null) {
                MemorySegment seg = segments[i];
                DType dt = dtypes[i];
                transforms[i].prepare((off, dst, dOff, n) -> kernels.toFloat(dt, seg, off * dt.byteSize(), dst, dOff, n));
            }
        }
    }

    @Override
    public dev.amalgam.merge.SideTensor side(String id) {
        var loc = job.sides().get(id);
        return loc == null ? null : new MappedSideTensor(loc);
    }

    MemorySegment rawSegment(int input) {
        return segments[input];
    }

    @Override
    public int count() {
        return segments.length;
    }

    @Override
    public long numel() {
        return job.numel();
    }

    @Override
    public long[] shape() {
        return job.shape().clone();
    }

    @Override
    public DType dtype(int input) {
        return dtypes[input];
    }

    @Override
    public void read(int input, long offset, float[] dst, int dstOffset, int n) {
        DType dt = dtypes[input];
        TensorTransform transform = transforms[input];
        if (storedCols[input] < 0) {
            kernels.toFloat(dt, segments[input], offset * dt.byteSize(), dst, dstOffset, n);
            if (transform != null) {
                transform.apply(offset, dst, dstOffset, n);
            }
            return;
        }
        SubMatrixRuns.forEach(offset, n, job.shape()[1], storedCols[input], (stored, done, run) -> {
            kernels.toFloat(dt, segments[input], stored * dt.byteSize(), dst, dstOffset + done, run);
            if (transform != null) {
                transform.apply(stored, dst, dstOffset + done, run);
            }
        });
    }
}
