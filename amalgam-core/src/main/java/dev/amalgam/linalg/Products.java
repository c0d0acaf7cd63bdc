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

    private Products() {
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
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().dgemm("N", "N", n, mb, k, 1.0, bd, 0, Math.max(1, n), ad, i0 * k, Math.max(1, k), 0.0,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    /** Aᵀ·B (A is k×m, B is k×n, the result m×n). */
    public static DMatrix mulTransA(DMatrix a, DMatrix b) {
        check(a.rows(), b.rows(), "Aᵀ·B", a, b);
        int k = a.rows(), m = a.cols(), n = b.cols();
        DMatrix c = DMatrix.zeros(m, n);
        double[] ad = a.data(), bd = b.data(), cd = c.data();
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().dgemm("N", "T", n, mb, k, 1.0, bd, 0, Math.max(1, n), ad, i0, Math.max(1, m), 0.0,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    /** A·Bᵀ (A is m×k, B is n×k, the result m×n). */
    public static DMatrix mulTransB(DMatrix a, DMatrix b) {
        check(a.cols(), b.cols(), "A·Bᵀ", a, b);
        int m = a.rows(), k = a.cols(), n = b.rows();
        DMatrix c = DMatrix.zeros(m, n);
        double[] ad = a.data(), bd = b.data(), cd = c.data();
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().dgemm("T", "N", n, mb, k, 1.0, bd, 0, Math.max(1, k), ad, i0 * k, Math.max(1, k), 0.0,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    /** A·B in float32. */
    public static FMatrix mul(FMatrix a, FMatrix b) {
        check(a.cols(), b.rows(), "A·B", a, b);
        int m = a.rows(), k = a.cols(), n = b.cols();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().sgemm("N", "N", n, mb, k, 1f, bd, 0, Math.max(1, n), ad, i0 * k, Math.max(1, k), 0f,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    /** Aᵀ·B in float32. */
    public static FMatrix mulTransA(FMatrix a, FMatrix b) {
        check(a.rows(), b.rows(), "Aᵀ·B", a, b);
        int k = a.rows(), m = a.cols(), n = b.cols();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().sgemm("N", "T", n, mb, k, 1f, bd, 0, Math.max(1, n), ad, i0, Math.max(1, m), 0f,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    /** A·Bᵀ in float32. */
    public static FMatrix mulTransB(FMatrix a, FMatrix b) {
        check(a.cols(), b.cols(), "A·Bᵀ", a, b);
        int m = a.rows(), k = a.cols(), n = b.rows();
        FMatrix c = FMatrix.zeros(m, n);
        float[] ad = a.data(), bd = b.data(), cd = c.data();
        rowBlocks(m, (long) m * n * k, (i0, mb) ->
                blas().sgemm("T", "N", n, mb, k, 1f, bd, 0, Math.max(1, k), ad, i0 * k, Math.max(1, k), 0f,
                        cd, i0 * n, Math.max(1, n)));
        return c;
    }

    @FunctionalInterface
    private interface Block {
        void run(int firstRow, int rowCount);
    }

    private static void rowBlocks(int m, long flops, Block block) {
        if (m == 0) {
            return;
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        if (flops < PARALLEL_FLOPS || threads == 1 || m < 2 * threads) {
            if (flops > 0) {
                block.run(0, m);
            }
            return;
        }
        int blocks = Math.min(m, threads * 2);
        int per = (m + blocks - 1) / blocks;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int i0 = b * per;
            int mb = Math.min(per, m - i0);
            if (mb > 0) {
                block.run(i0, mb);
            }
        });
    }

    private static void check(int inner1, int inner2, String op, Object a, Object b) {
        if (inner1 != inner2) {
            throw new IllegalArgumentException(op + ": inner dimensions differ (" + a + ", " + b + ")");
        }
    }
}
