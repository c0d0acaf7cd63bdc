package dev.amalgam.merge.geometry;

/**
 * How the flat elements of a tensor are grouped into the vectors a geometric method works on: the whole tensor as
 * one vector (slerp, karcher, multislerp, nuslerp's {@code nuslerp_flatten}), one vector per slice along the last
 * dimension (the rows of an {@code [out, in]} matrix: nuslerp's default, model_stock's {@code filter_wise}), or one
 * vector per slice along the first dimension (the columns: nuslerp's {@code nuslerp_row_wise}, which transposes
 * dims 0 and −1 first). See compat.md §1.7 and §1.10.
 *
 * @param groups       number of vectors
 * @param lastDimLen   length of a vector for {@link Kind#LAST_DIM} (flat index / length = vector)
 * @param firstDimStride number of vectors for {@link Kind#FIRST_DIM} (flat index mod stride = vector)
 */
public record VectorLayout(Kind kind, int groups, long lastDimLen, long firstDimStride) {
    public enum Kind { WHOLE, LAST_DIM, FIRST_DIM }

    /** The whole tensor is one vector. */
    public static VectorLayout whole() {
        return new VectorLayout(Kind.WHOLE, 1, 1, 1);
    }

    /** Vectors along the last dimension; a 1-D (or 0-D) tensor is a single vector. */
    public static VectorLayout lastDim(long[] shape) {
        long numel = numel(shape);
        if (shape.length <= 1 || numel == 0) {
            return whole();
        }
        long len = shape[shape.length - 1];
        return new VectorLayout(Kind.LAST_DIM, checkedGroups(numel / len), len, 1);
    }

    /** Vectors along the first dimension (the columns of a matrix); a 1-D (or 0-D) tensor is a single vector. */
    public static VectorLayout firstDim(long[] shape) {
        long numel = numel(shape);
        if (shape.length <= 1 || numel == 0) {
            return whole();
        }
        long stride = numel / shape[0];
        return new VectorLayout(Kind.FIRST_DIM, checkedGroups(stride), 1, stride);
    }

    /** The vector that flat element {@code flat} belongs to. */
    public int group(long flat) {
        return switch (kind) {
            case WHOLE -> 0;
            case LAST_DIM -> (int) (flat / lastDimLen);
            case FIRST_DIM -> (int) (flat % firstDimStride);
        };
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static int checkedGroups(long g) {
        if (g > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("too many vectors in one tensor: " + g);
        }
        return (int) g;
    }
}
