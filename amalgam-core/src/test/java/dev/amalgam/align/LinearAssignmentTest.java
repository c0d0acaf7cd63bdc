package dev.amalgam.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.merge.random.CounterRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The assignment solver against brute force over every permutation of small matrices. */
class LinearAssignmentTest {

    static IntStream seeds() {
        return IntStream.range(0, 60);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void matchesBruteForce(int seed) {
        int n = 1 + seed % 7;
        CounterRandom r = new CounterRandom(seed, "lap");
        double[] a = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            // a third of the cases use small integers, which produce many ties
            a[i] = seed % 3 == 0 ? Math.floor(r.uniform(i) * 4) - 2 : 200 * r.uniform(i) - 100;
        }
        int[] sigma = LinearAssignment.maximize(a, n);
        assertThat(IntStream.of(sigma).sorted().toArray()).as("a permutation").isEqualTo(IntStream.range(0, n).toArray());
        double best = bruteForce(a, n, new int[n], new boolean[n], 0, 0.0);
        assertThat(LinearAssignment.score(a, n, sigma)).isCloseTo(best, org.assertj.core.data.Offset.offset(1e-9));
    }

    private static double bruteForce(double[] a, int n, int[] perm, boolean[] used, int row, double acc) {
        if (row == n) {
            return acc;
        }
        double best = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            if (!used[j]) {
                used[j] = true;
                perm[row] = j;
                best = Math.max(best, bruteForce(a, n, perm, used, row + 1, acc + a[row * n + j]));
                used[j] = false;
            }
        }
        return best;
    }

    @Test
    void recoversAPlantedPermutationOfAGramMatrix() {
        // A = X·P(X)ᵀ for random X: the diagonal of the true matching dominates, so σ is the planted permutation
        int n = 40;
        int d = 16;
        CounterRandom r = new CounterRandom(7, "x");
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                x[i][k] = r.uniform(i * d + k) - 0.5;
            }
        }
        int[] planted = IntStream.range(0, n).map(i -> (i * 17 + 5) % n).toArray();
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += x[i][k] * x[planted[j]][k];
                }
                a[i * n + j] = s;
            }
        }
        int[] sigma = LinearAssignment.maximize(a, n);
        for (int i = 0; i < n; i++) {
            assertThat(planted[sigma[i]]).isEqualTo(i);
        }
    }

    @Test
    void emptyAndNonFinite() {
        assertThat(LinearAssignment.maximize(new double[0], 0)).isEmpty();
        assertThatThrownBy(() -> LinearAssignment.maximize(new double[]{1, Double.NaN, 0, 1}, 2))
                .isInstanceOf(ArithmeticException.class);
    }
}
