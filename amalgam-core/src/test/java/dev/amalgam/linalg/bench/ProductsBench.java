package dev.amalgam.linalg.bench;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.FMatrix;
import dev.amalgam.linalg.Products;
import java.util.SplittableRandom;

/** GFLOP/s of {@link Products} on n×n products (not a test; run by hand like {@link SubspaceBench}). */
public final class ProductsBench {
    private ProductsBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        SplittableRandom r = new SplittableRandom(1);
        DMatrix a = DMatrix.zeros(n, n), b = DMatrix.zeros(n, n);
        for (int i = 0; i < a.data().length; i++) {
            a.data()[i] = r.nextDouble();
            b.data()[i] = r.nextDouble();
        }
        FMatrix fa = FMatrix.from(a), fb = FMatrix.from(b);
        double flops = 2.0 * n * n * n;
        System.out.printf("Products n=%d tile=%s %s%n", n, System.getProperty("amalgam.gemm.tile", "1024"),
                Products.implementation());
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            Products.mul(a, b);
            double s = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            Products.mul(fa, fb);
            double f = (System.nanoTime() - t1) / 1e9;
            System.out.printf("  f64 %.2f s (%.1f GFLOP/s)   f32 %.2f s (%.1f GFLOP/s)%n", s, flops / s / 1e9, f,
                    flops / f / 1e9);
        }
    }
}
