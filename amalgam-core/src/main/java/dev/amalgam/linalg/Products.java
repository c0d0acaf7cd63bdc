package dev.amalgam.linalg;

import dev.ludovic.netlib.blas.BLAS;
import java.util.stream.IntStream;

/**
 * Matrix products through dev.ludovic.netlib's BLAS (its pure-Java VectorBLAS when native BLAS is disabled with
 * {@code -Ddev.ludovic.netlib.blas.allowNative=false}, as the tests and the launcher do). EJML's own product ran
 * at about 5 GFLOP/s on 1024³ on the reference machine, which made randomized SVDs of LLM matrices take hours
 * (issue 6); VectorBLAS's dgemm is several times faster (figures in the issue-6 note).
 *
 * <p>BLAS is column-major. A row-major buffer read as column-major is the transpose, so row-major C = A·B is
 * computed as column-major Cᵀ = Bᵀ·Aᵀ without copying. Large products are split into blocks of rows of C and
 * run on the common fork-join pool; each block is an independent GEMM, so results do not depend on the thread
 * count (every element is the same dot product in the same order).
 */
public final class Products {
    /** Below this many multiply-adds a product runs on the calling thread. */
    private static final long PARALLEL_FLOPS = 1L << 26;
    /** Tile edge for rows, columns and the inner dimension (see {@link #tiles}). */
    static final int TILE = Integer.getInteger("amalgam.gemm.tile", 1024);

    private Products() {
    }

    /**
     * netlib's BLAS loader logs which implementation it picked at INFO on stderr, in the middle of a merge's output;
     * only its warnings reach the user. Set here, before the first {@code BLAS.getInstance()}, rather than at start-up:
     * setting up java.util.logging costs every command about 45 ms, and most never multiply a matrix. A strong
     * reference, because java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger NETLIB_LOG = quiet("dev.ludovic.netlib");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(name);
        log.setLevel(java.util.logging.Level.WARNING);
        return log;
    }

    private static BLAS blas() {
        return BLAS.getInstance();
    }

    /** The BLAS implementation in use (for benchmark reports), e.g. {@code VectorBLAS}. */
    public static String implementation() {
        return blas().getClass().getSimpleName();
    }

    /** A·B. */
    public static DMatrix mul(DMatrix a, DMatrix b) {
        check(a.cols(), b.rows(), "A·B", a, b);
        int m = a.rows(), k = a.cols(), n = b.cols();
        DMatrix c = DMatrix.zeros(m, n);
        double[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().dgemm("N", "N", nb, mb, kb, 1.0, bd, p0 * n + j0, ld(n), ad, i0 * k + p0, ld(k), beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    /** Aᵀ·B (A is k×m, B is k×n, the result m×n). */
    public static DMatrix mulTransA(DMatrix a, DMatrix b) {
        check(a.rows(), b.rows(), "Aᵀ·B", a, b);
        int k = a.rows(), m = a.cols(), n = b.cols();
        DMatrix c = DMatrix.zeros(m, n);
        double[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().dgemm("N", "T", nb, mb, kb, 1.0, bd, p0 * n + j0, ld(n), ad, p0 * m + i0, ld(m), beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    /** A·Bᵀ (A is m×k, B is n×k, the result m×n). */
    public static DMatrix mulTransB(DMatrix a, DMatrix b) {
        check(a.cols(), b.cols(), "A·Bᵀ", a, b);
        int m = a.rows(), k = a.cols(), n = b.rows();
        DMatrix c = DMatrix.zeros(m, n);
        double[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().dgemm("T", "N", nb, mb, kb, 1.0, bd, j0 * k + p0, ld(k), ad, i0 * k + p0, ld(k), beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    /** A·B in float32. */
    public static FMatrix mul(FMatrix a, FMatrix b) {
        check(a.cols(), b.rows(), "A·B", a, b);
        int m = a.rows(), k = a.cols(), n = b.cols();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().sgemm("N", "N", nb, mb, kb, 1f, bd, p0 * n + j0, ld(n), ad, i0 * k + p0, ld(k), (float) beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    /** Aᵀ·B in float32. */
    public static FMatrix mulTransA(FMatrix a, FMatrix b) {
        check(a.rows(), b.rows(), "Aᵀ·B", a, b);
        int k = a.rows(), m = a.cols(), n = b.cols();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().sgemm("N", "T", nb, mb, kb, 1f, bd, p0 * n + j0, ld(n), ad, p0 * m + i0, ld(m), (float) beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    /** A·Bᵀ in float32. */
    public static FMatrix mulTransB(FMatrix a, FMatrix b) {
        check(a.cols(), b.cols(), "A·Bᵀ", a, b);
        int m = a.rows(), k = a.cols(), n = b.rows();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        tiles(m, n, k, (i0, mb, j0, nb, p0, kb, beta) ->
                blas().sgemm("T", "N", nb, mb, kb, 1f, bd, j0 * k + p0, ld(k), ad, i0 * k + p0, ld(k), (float) beta,
                        cd, i0 * n + j0, ld(n)));
        return c;
    }

    private static int ld(int x) {
        return Math.max(1, x);
    }

    /** One tile product: C[i0:i0+mb, j0:j0+nb] = β·C + A-block·B-block over k-range [p0, p0+kb). */
    @FunctionalInterface
    private interface Tile {
        void run(int i0, int mb, int j0, int nb, int p0, int kb, double beta);
    }

    /**
     * Splits C into TILE×TILE tiles and each product into k-blocks of TILE. VectorBLAS's GEMM is not cache-blocked:
     * it ran at ≈ 20 GFLOP/s on 1024² but ≈ 3 GFLOP/s on 2048² and below 1 on 4096² (issue-6 note), so large
     * products are cut into 1024-sized pieces. Tiles run in parallel on the common pool; within a tile the
     * k-blocks are summed in a fixed order, so the result does not depend on the thread count.
     */
    private static void tiles(int m, int n, int k, Tile tile) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            return; // C stays zero
        }
        int ti = (m + TILE - 1) / TILE;
        int tj = (n + TILE - 1) / TILE;
        Runnable[] jobs = new Runnable[ti * tj];
        for (int bi = 0; bi < ti; bi++) {
            for (int bj = 0; bj < tj; bj++) {
                int i0 = bi * TILE, j0 = bj * TILE;
                int mb = Math.min(TILE, m - i0), nb = Math.min(TILE, n - j0);
                jobs[bi * tj + bj] = () -> {
                    for (int p0 = 0; p0 < k; p0 += TILE) {
                        tile.run(i0, mb, j0, nb, p0, Math.min(TILE, k - p0), p0 == 0 ? 0.0 : 1.0);
                    }
                };
            }
        }
        long flops = (long) m * n * k;
        int threads = Runtime.getRuntime().availableProcessors();
        if (flops < PARALLEL_FLOPS || threads == 1 || jobs.length == 1) {
            if (jobs.length == 1 && flops >= PARALLEL_FLOPS && threads > 1 && m >= 2 * threads) {
                // one tile but a big product (k large): split its rows so both cores work
                splitRows(m, n, k, tile, threads);
                return;
            }
            for (Runnable j : jobs) {
                j.run();
            }
            return;
        }
        java.util.Arrays.stream(jobs).parallel().forEach(Runnable::run);
    }

    private static void splitRows(int m, int n, int k, Tile tile, int threads) {
        int per = (m + threads - 1) / threads;
        IntStream.range(0, threads).parallel().forEach(b -> {
            int i0 = b * per;
            int mb = Math.min(per, m - i0);
            if (mb > 0) {
                for (int p0 = 0; p0 < k; p0 += TILE) {
                    tile.run(i0, mb, 0, n, p0, Math.min(TILE, k - p0), p0 == 0 ? 0.0 : 1.0);
                }
            }
        });
    }

    private static void check(int inner1, int inner2, String op, Object a, Object b) {
        if (inner1 != inner2) {
            throw new IllegalArgumentException(op + ": inner dimensions differ (" + a + ", " + b + ")");
        }
    }
}
