package dev.amalgam.align;

import java.util.List;
import java.util.Map;

/**
 * Applies permutations to one tensor (1-D or 2-D, row-major): new element (r, c) reads old element
 * (rowIndex[r], colIndex[c]). Used on float values for the similarity and on raw bytes for the output, so the
 * aligned model holds exactly MODEL's values, moved.
 */
final class TensorPermuter {
    final int rows;
    final int cols;
    final int[] rowIndex;
    final int[] colIndex;

    private TensorPermuter(int rows, int cols, int[] rowIndex, int[] colIndex) {
        this.rows = rows;
        this.cols = cols;
        this.rowIndex = rowIndex;
        this.colIndex = colIndex;
    }

    /**
     * The gather of tensor {@code shape} under the permutations in force ({@code perms} by group name), leaving out
     * the groups in {@code skip} (those being solved), or null when nothing moves.
     */
    static TensorPermuter of(long[] shape, List<GroupAxis> axes, Map<String, int[]> perms, java.util.Set<String> skip) {
        int rows = (int) shape[0];
        int cols = shape.length == 2 ? (int) shape[1] : 1;
        int[] ri = null;
        int[] ci = null;
        for (GroupAxis ga : axes) {
            if (skip.contains(ga.group())) {
                continue;
            }
            int[] perm = perms.get(ga.group());
            if (perm == null || isIdentity(perm)) {
                continue;
            }
            if (ga.axis().axis() == 0) {
                ri = ga.axis().gatherIndex(rows, perm);
            } else {
                ci = ga.axis().gatherIndex(cols, perm);
            }
        }
        if (ri == null && ci == null) {
            return null;
        }
        return new TensorPermuter(rows, cols, ri, ci);
    }

    /** A tensor axis and the group acting on it. */
    record GroupAxis(String group, PermutationGroup.Axis axis) {
    }

    static boolean isIdentity(int[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }

    float[] apply(float[] in) {
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            int sr = rowIndex == null ? r : rowIndex[r];
            if (colIndex == null) {
                System.arraycopy(in, sr * cols, out, r * cols, cols);
            } else {
                for (int c = 0; c < cols; c++) {
                    out[r * cols + c] = in[sr * cols + colIndex[c]];
                }
            }
        }
        return out;
    }

    /** The same gather on raw little-endian bytes of {@code elementSize} bytes per element. */
    byte[] apply(byte[] in, int elementSize) {
        byte[] out = new byte[in.length];
        int rowBytes = cols * elementSize;
        for (int r = 0; r < rows; r++) {
            int sr = rowIndex == null ? r : rowIndex[r];
            if (colIndex == null) {
                System.arraycopy(in, sr * rowBytes, out, r * rowBytes, rowBytes);
            } else {
                for (int c = 0; c < cols; c++) {
                    System.arraycopy(in, sr * rowBytes + colIndex[c] * elementSize, out, r * rowBytes + c * elementSize,
                            elementSize);
                }
            }
        }
        return out;
    }
}
