package dev.amalgam.linalg;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;

/**
 * A dense float64 matrix stored row-major in one {@code double[]} (element (i, j) at {@code i·cols + j}). It is
 * the layout of a safetensors 2-D tensor and of EJML's {@link DMatrixRMaj}, so conversions in both directions are
 * a wrap or a single copy. Mutable on purpose: the kernels write into fresh matrices and hand them over.
 */
public final class DMatrix {
    private final int rows;
    private final int cols;
    private final double[] data;

    /** Wraps {@code data} (not copied); its length must be {@code rows·cols}. */
    public DMatrix(int rows, int cols, double[] data) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols
                    + " elements, got " + data.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    public static DMatrix zeros(int rows, int cols) {
        return new DMatrix(rows, cols, new double[Math.multiplyExact(rows, cols)]);
    }

    public static DMatrix identity(int n) {
        DMatrix m = zeros(n, n);
        for (int i = 0; i < n; i++) {
            m.data[i * n + i] = 1.0;
        }
        return m;
    }

    /** A float64 copy of a row-major float32 buffer (a 2-D tensor as read from a checkpoint). */
    public static DMatrix fromFloats(int rows, int cols, float[] src) {
        double[] d = new double[Math.multiplyExact(rows, cols)];
        if (src.length < d.length) {
            throw new IllegalArgumentException("need " + d.length + " floats, got " + src.length);
        }
        for (int i = 0; i < d.length; i++) {
            d[i] = src[i];
        }
        return new DMatrix(rows, cols, d);
    }

    /** A copy of rows×cols values given row by row (for tests and small constants). */
    public static DMatrix of(double[][] rowsData) {
        int r = rowsData.length;
        int c = r == 0 ? 0 : rowsData[0].length;
        DMatrix m = zeros(r, c);
        for (int i = 0; i < r; i++) {
            if (rowsData[i].length != c) {
                throw new IllegalArgumentException("row " + i + " has " + rowsData[i].length + " values, not " + c);
            }
            System.arraycopy(rowsData[i], 0, m.data, i * c, c);
        }
        return m;
    }

    /** Wraps an EJML matrix's storage (shared, not copied). */
    public static DMatrix wrap(DMatrixRMaj m) {
        if (m.data.length == m.numRows * m.numCols) {
            return new DMatrix(m.numRows, m.numCols, m.data);
        }
        return new DMatrix(m.numRows, m.numCols, Arrays.copyOf(m.data, m.numRows * m.numCols));
    }

    /** This matrix as an EJML matrix sharing the same storage. */
    public DMatrixRMaj toEjml() {
        return DMatrixRMaj.wrap(rows, cols, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The backing row-major array (shared). */
    public double[] data() {
        return data;
    }

    public double get(int i, int j) {
        return data[i * cols + j];
    }

    public void set(int i, int j, double v) {
        data[i * cols + j] = v;
    }

    public DMatrix copy() {
        return new DMatrix(rows, cols, data.clone());
    }

    public DMatrix transpose() {
        DMatrix t = zeros(cols, rows);
        // Blocked so both sides stay in cache for large matrices.
        final int b = 64;
        for (int i0 = 0; i0 < rows; i0 += b) {
            for (int j0 = 0; j0 < cols; j0 += b) {
                int i1 = Math.min(rows, i0 + b);
                int j1 = Math.min(cols, j0 + b);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        t.data[j * rows + i] = data[i * cols + j];
                    }
                }
            }
        }
        return t;
    }

    /** The first {@code k} columns as a new rows×k matrix. */
    public DMatrix leftColumns(int k) {
        return columns(0, k);
    }

    /** Columns [from, to) as a new matrix. */
    public DMatrix columns(int from, int to) {
        if (from < 0 || to > cols || from > to) {
            throw new IllegalArgumentException("columns [" + from + ", " + to + ") of a " + cols + "-column matrix");
        }
        int k = to - from;
        DMatrix m = zeros(rows, k);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, i * cols + from, m.data, i * k, k);
        }
        return m;
    }

    /** Writes {@code block} into this matrix with its top-left corner at column {@code col} (same row count). */
    public void setColumns(int col, DMatrix block) {
        if (block.rows != rows || col + block.cols > cols) {
            throw new IllegalArgumentException("block " + block.rows + "x" + block.cols + " does not fit at column "
                    + col + " of " + rows + "x" + cols);
        }
        for (int i = 0; i < rows; i++) {
            System.arraycopy(block.data, i * block.cols, data, i * cols + col, block.cols);
        }
    }

    /** Multiplies column j by {@code s[j]} in place (A·diag(s)); returns this. */
    public DMatrix scaleColumns(double[] s) {
        if (s.length != cols) {
            throw new IllegalArgumentException(s.length + " scales for " + cols + " columns");
        }
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            for (int j = 0; j < cols; j++) {
                data[o + j] *= s[j];
            }
        }
        return this;
    }

    /** Multiplies every element by {@code s} in place; returns this. */
    public DMatrix scale(double s) {
        for (int i = 0; i < data.length; i++) {
            data[i] *= s;
        }
        return this;
    }

    /** this += s·other, in place; returns this. */
    public DMatrix addScaled(double s, DMatrix other) {
        requireSameShape(other);
        for (int i = 0; i < data.length; i++) {
            data[i] += s * other.data[i];
        }
        return this;
    }

    public DMatrix minus(DMatrix other) {
        return copy().addScaled(-1.0, other);
    }

    public double frobeniusNorm() {
        double s = 0;
        for (double v : data) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** Largest |a_ij − b_ij|. */
    public double maxAbsDiff(DMatrix other) {
        requireSameShape(other);
        double m = 0;
        for (int i = 0; i < data.length; i++) {
            m = Math.max(m, Math.abs(data[i] - other.data[i]));
        }
        return m;
    }

    /** Row-major float32 values, each rounded once from float64. */
    public float[] toFloats() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return f;
    }

    private void requireSameShape(DMatrix o) {
        if (o.rows != rows || o.cols != cols) {
            throw new IllegalArgumentException("shape " + o.rows + "x" + o.cols + " differs from " + rows + "x" + cols);
        }
    }

    @Override
    public String toString() {
        return "DMatrix[" + rows + "x" + cols + "]";
    }
}
