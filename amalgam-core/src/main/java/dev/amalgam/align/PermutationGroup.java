package dev.amalgam.align;

import java.util.List;

/**
 * One permutation of hidden units and every tensor axis it acts on (the "permutation spec" of Git Re-Basin,
 * methods.md §6).
 *
 * @param name  a stable name, e.g. {@code model.layers.3.mlp}, used as the key of {@code permutations.json}
 * @param size  the number of units permuted
 * @param inner units nested inside each unit, which move with it and may also be permuted among themselves (the
 *              query heads of a key/value head group), or null
 */
public record PermutationGroup(String name, int size, List<Axis> axes, Inner inner) {

    public PermutationGroup(String name, int size, List<Axis> axes) {
        this(name, size, axes, null);
    }

    /**
     * The {@code perOuter} inner units of every outer unit (outer unit i owns inner units i·perOuter ..
     * i·perOuter + perOuter − 1) and the axes they act on. Their permutation, of size·perOuter units and recorded
     * under {@code name}, keeps every inner unit inside the block of its outer unit.
     */
    public record Inner(String name, int perOuter, List<Axis> axes) {
    }

    /**
     * A tensor axis the permutation acts on. Unit j occupies, along {@code axis}, the positions
     * {@code s·segmentStride + j·unit + u} for every segment s &lt; {@code segments} and u &lt; {@code unit}: one
     * position for an MLP unit, {@code head_dim} consecutive rows for a key/value head, and three segments for a
     * head of GPT-2's fused {@code c_attn} (its query, key and value parts).
     */
    public record Axis(String tensor, int axis, int unit, int segments, long segmentStride) {
        public static Axis of(String tensor, int axis, int unit) {
            return new Axis(tensor, axis, unit, 1, 0);
        }

        /** Positions along the axis covered by the units of a group of {@code n}. */
        long covered(int n) {
            return (long) segments * n * unit;
        }

        /**
         * The gather index along an axis of length {@code len} for permutation {@code perm}: new position p reads
         * old position {@code index[p]} (unit j takes the old unit perm[j]; positions outside the units stay).
         */
        int[] gatherIndex(int len, int[] perm) {
            int[] idx = new int[len];
            for (int p = 0; p < len; p++) {
                idx[p] = p;
            }
            for (int s = 0; s < segments; s++) {
                long base = s * segmentStride;
                for (int j = 0; j < perm.length; j++) {
                    for (int u = 0; u < unit; u++) {
                        idx[(int) (base + (long) j * unit + u)] = (int) (base + (long) perm[j] * unit + u);
                    }
                }
            }
            return idx;
        }
    }
}
