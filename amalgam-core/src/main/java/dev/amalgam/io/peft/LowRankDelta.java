package dev.amalgam.io.peft;

import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.merge.TensorTransform;
import dev.amalgam.tensor.Conversions;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * Adds a LoRA update {@code s·B·A} (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", ICLR 2022,
 * arXiv:2106.09685) to a base weight as it is read, element by element, so no merged copy is ever written. With
 * DoRA (Liu et al., "DoRA: Weight-Decomposed Low-Rank Adaptation", ICML 2024, arXiv:2402.09353) the updated
 * matrix V = W + s·B·A is rescaled row-wise to the learned magnitudes: {@code W' = m / ‖V‖_row · V}, with the norm
 * taken over the input dimension, as PEFT merges it.
 */
final class LowRankDelta implements TensorTransform {
    private final LoraLayout layout;
    private final double scale;
    private final int rank;
    private final long rows;
    private final long cols;
    private final TensorLocation aLoc;
    private final TensorLocation bLoc;
    private final TensorLocation magnitudeLoc;
    private final Function<TensorLocation, MemorySegment> bytes;
    private float[] a;
    private float[] b;
    private float[] rowFactor;

    LowRankDelta(LoraLayout layout, double scale, int rank, long[] baseShape, TensorLocation aLoc, TensorLocation bLoc,
                 TensorLocation magnitudeLoc, Function<TensorLocation, MemorySegment> bytes) {
        this.layout = layout;
        this.scale = scale;
        this.rank = rank;
        this.rows = baseShape[0];
        this.cols = baseShape[1];
        this.aLoc = aLoc;
        this.bLoc = bLoc;
        this.magnitudeLoc = magnitudeLoc;
        this.bytes = bytes;
    }

    private float[] load(TensorLocation loc) {
        float[] v = new float[(int) loc.info().numel()];
        Conversions.toFloat(loc.info().dtype(), bytes.apply(loc), 0, v, 0, v.length);
        return v;
    }

    @Override
    public synchronized void prepare(BaseReader base) {
        if (a != null) {
            return;
        }
        a = load(aLoc);
        b = load(bLoc);
        if (magnitudeLoc != null) {
            float[] m = load(magnitudeLoc);
            float[] row = new float[(int) cols];
            rowFactor = new float[(int) rows];
            for (long r = 0; r < rows; r++) {
                base.read(r * cols, row, 0, (int) cols);
                double sq = 0;
                for (int c = 0; c < cols; c++) {
                    double v = row[c] + delta(r, c);
                    sq += v * v;
                }
                double norm = Math.sqrt(sq);
                // a zero-norm row stays zero rather than becoming NaN (PEFT would emit NaN here)
                rowFactor[(int) r] = norm == 0 ? 0f : (float) (m[(int) r] / norm);
            }
        }
    }

    /** s·(B·A) at stored position (row, col), in float64. */
    private double delta(long row, long col) {
        int outIdx;
        int inIdx;
        switch (layout) {
            case LINEAR -> {
                outIdx = (int) row;
                inIdx = (int) col;
            }
            case FAN_IN_FAN_OUT -> {
                outIdx = (int) col;
                inIdx = (int) row;
            }
            default -> {
                outIdx = (int) col;
                inIdx = (int) row;
            }
        }
        int inDim = layout == LoraLayout.LINEAR ? (int) cols : (int) rows;
        double s = 0;
        for (int k = 0; k < rank; k++) {
            s += (double) b[outIdx * rank + k] * a[k * inDim + inIdx];
        }
        return scale * s;
    }

    @Override
    public void apply(long offset, float[] values, int valuesOffset, int n) {
        for (int e = 0; e < n; e++) {
            long flat = offset + e;
            long row = flat / cols;
            long col = flat % cols;
            double v = values[valuesOffset + e] + delta(row, col);
            if (rowFactor != null) {
                v *= rowFactor[(int) row];
            }
            values[valuesOffset + e] = (float) v;
        }
    }
}
