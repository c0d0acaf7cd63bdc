package dev.amalgam.linalg.bench;

import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
import dev.amalgam.linalg.Qr;
import dev.amalgam.linalg.Svd;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.merge.methods.IsoCtsMerge;
import dev.amalgam.merge.methods.TsvMerge;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Wall time of TSV-M and Iso-CTS on T synthetic n×n task matrices, exact vs randomized top-k step. Not a test
 * (no *Test name, so surefire skips it); run it by hand from the test classpath:
 * <pre>
 * java --add-modules=jdk.incubator.vector -Ddev.ludovic.netlib.blas.allowNative=false \
 *      -cp amalgam-core/target/classes:amalgam-core/target/test-classes:$(deps) \
 *      dev.amalgam.linalg.bench.SubspaceBench 1024 3
 * </pre>
 * The task matrices have the decaying spectra of real task vectors, σᵢ = 0.999^i·(1 + i)^(−1/2), with random
 * singular vectors.
 */
public final class SubspaceBench {
    private SubspaceBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int t = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String which = args.length > 2 ? args[2] : "all";
        System.out.printf("BLAS=%s n=%d T=%d cores=%d%n", Products.implementation(), n, t,
                Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        List<DMatrix> tasks = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            tasks.add(which.contains("cheap") ? cheapSynthetic(n, 1000L + i) : synthetic(n, 1000L + i));
        }
        System.out.printf("setup (%d synthetic task matrices): %.1f s%n", t, (System.nanoTime() - t0) / 1e9);
        TruncatedSvdOptions exact = TruncatedSvdOptions.exact();
        if (which.equals("all") || which.contains("tsv-rand")) {
            time("tsv_m randomized (AUTO)", () -> TsvMerge.merge(tasks, k -> TruncatedSvdOptions.defaults(k)));
        }
        if (which.equals("all") || which.contains("cts-rand")) {
            time("iso_cts randomized (AUTO)", () -> IsoCtsMerge.merge(tasks, 0.8, k -> TruncatedSvdOptions.defaults(k)));
        }
        if (which.equals("all") || which.contains("tsv-exact")) {
            time("tsv_m exact", () -> TsvMerge.merge(tasks, k -> exact));
        }
        if (which.equals("all") || which.contains("cts-exact")) {
            time("iso_cts exact", () -> IsoCtsMerge.merge(tasks, 0.8, k -> exact));
        }
        if (which.contains("topk-rand")) {
            int k = n / 8; // TSV-M's d for T = 8
            time("top-" + k + " randomized (p=10, q=2)", () -> Svd.truncated(tasks.get(0), k,
                    TruncatedSvdOptions.defaults(1).withMode(TruncatedSvdOptions.Mode.RANDOMIZED)));
        }
        if (which.contains("svd")) {
            time("one exact thin SVD (U, V)", () -> Svd.thin(tasks.get(0)));
        }
    }

    static void time(String label, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        System.out.printf("%-32s %8.1f s%n", label, (System.nanoTime() - t0) / 1e9);
    }

    /** G₁·diag(s)·G₂ᵀ with Gaussian G's (no QR: cheap to build at 4096²; the spectrum still decays). */
    static DMatrix cheapSynthetic(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DMatrix a = DMatrix.zeros(n, n);
        DMatrix b = DMatrix.zeros(n, n);
        for (int i = 0; i < a.data().length; i++) {
            a.data()[i] = r.nextGaussian() / Math.sqrt(n);
            b.data()[i] = r.nextGaussian() / Math.sqrt(n);
        }
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = 1e-3 * Math.pow(0.999, i) / Math.sqrt(1 + i);
        }
        return Products.mulTransB(a.scaleColumns(s), b);
    }

    static DMatrix synthetic(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int k = n;
        DMatrix a = DMatrix.zeros(n, k);
        DMatrix b = DMatrix.zeros(n, k);
        for (int i = 0; i < a.data().length; i++) {
            a.data()[i] = r.nextGaussian();
            b.data()[i] = r.nextGaussian();
        }
        DMatrix q1 = Qr.orthonormalBasis(a);
        DMatrix q2 = Qr.orthonormalBasis(b);
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = 1e-3 * Math.pow(0.999, i) / Math.sqrt(1 + i);
        }
        return Products.mulTransB(q1.scaleColumns(s), q2);
    }
}
