package dev.amalgam.linalg;

/**
 * A dense float32 matrix stored row-major in one {@code float[]}: the layout of a 2-D checkpoint tensor. Used
 * for large products where float32 is accurate enough (the numerics rule: float32 compute); decompositions take
 * a {@link DMatrix}.
 */
public final class FMatrix {
    private final int rows;
    private final int cols;
    private final float[] data;

    /** Wraps {@code data} (not copied); its length must be {@code rows·cols}. */
    public FMatrix(int rows, int cols, float[] data) {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols
                    + " elements, got " + data.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    public static FMatrix zeros(int rows, int cols) {
        return new FMatrix(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    /** Rounds each element of a float64 matrix once to float32. */
    public static FMatrix from(DMatrix m) {
        return new FMatrix(m.rows(), m.cols(), m.toFloats());
    }

    public DMatrix toDouble() {
        return DMatrix.fromFloats(rows, cols, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The backing row-major array (shared). */
    public float[] data() {
        return data;
    }

    public float get(int i, int j) {
        return data[i * cols + j];
    }

    public void set(int i, int j, float v) {
        data[i * cols + j] = v;
    }

    @Override
    public String toString() {
        return "FMatrix[" + rows + "x" + cols + "]";
    }
}
