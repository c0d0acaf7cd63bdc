package dev.amalgam.align;

/**
 * The linear assignment problem: a permutation σ maximizing Σ_i a[i][σ(i)] for a square matrix (methods.md §0.7, §6).
 * Solved by the Hungarian method in its shortest-augmenting-path form with dual potentials (Kuhn–Munkres as
 * refined by Jonker &amp; Volgenant's row-by-row augmentation), O(n³) time and O(n²) for the matrix. Ties are broken
 * deterministically (lowest column index first), so the same matrix always gives the same permutation.
 */
public final class LinearAssignment {
    private LinearAssignment() {
    }

    /**
     * @param a n×n scores, row-major; must be finite
     * @return σ with σ[i] = the column assigned to row i
     */
    public static int[] maximize(double[] a, int n) {
        if (a.length != (long) n * n) {
            throw new IllegalArgumentException("expected " + n + "×" + n + " scores, got " + a.length);
        }
        for (double x : a) {
            if (!Double.isFinite(x)) {
                throw new ArithmeticException("assignment scores must be finite, found " + x);
            }
        }
        // minimize cost = −score; arrays are 1-based with index 0 as the virtual start column
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] rowOfCol = new int[n + 1];
        int[] way = new int[n + 1];
        double[] minv = new double[n + 1];
        boolean[] used = new boolean[n + 1];
        for (int i = 1; i <= n; i++) {
            rowOfCol[0] = i;
            int j0 = 0;
            java.util.Arrays.fill(minv, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = rowOfCol[j0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = -1;
                for (int j = 1; j <= n; j++) {
                    if (used[j]) {
                        continue;
                    }
                    double cur = -a[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOfCol[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (rowOfCol[j0] != 0);
            do {
                int j1 = way[j0];
                rowOfCol[j0] = rowOfCol[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] sigma = new int[n];
        for (int j = 1; j <= n; j++) {
            sigma[rowOfCol[j] - 1] = j - 1;
        }
        return sigma;
    }

    /** Σ_i a[i][σ(i)] in float64. */
    public static double score(double[] a, int n, int[] sigma) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[i * n + sigma[i]];
        }
        return s;
    }
}
