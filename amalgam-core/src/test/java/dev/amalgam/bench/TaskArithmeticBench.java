package dev.amalgam.bench;

import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.testing.MethodHarness;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints the single-thread throughput of the task-arithmetic family on in-memory float32 tensors (no I/O): one
 * {@code rows × cols} tensor, three fine-tunes plus a base. Not a unit test; run it by hand:
 *
 * <pre>
 * mvn -q -B test-compile -pl amalgam-core
 * java -cp amalgam-core/target/classes:amalgam-core/target/test-classes dev.amalgam.bench.TaskArithmeticBench [rows cols reps]
 * </pre>
 */
public final class TaskArithmeticBench {
    private TaskArithmeticBench() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int cols = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int n = rows * cols;
        float[] base = gaussian(n, 1, 0.02f);
        float[][] ft = new float[3][];
        for (int m = 0; m < 3; m++) {
            float[] d = gaussian(n, 10 + m, 0.001f);
            for (int i = 0; i < n; i++) {
                d[i] += base[i];
            }
            ft[m] = d;
        }
        System.out.printf(Locale.ROOT, "tensor %d x %d (%.1f M elements), 3 models + base, best of %d, 1 thread (wall and thread CPU time)%n",
                rows, cols, n / 1e6, reps);
        for (String name : new String[]{"task_arithmetic", "ties", "dare_ties", "breadcrumbs", "della", "sce"}) {
            MethodHarness h = MethodHarness.of(MethodRegistry.find(name).orElseThrow()).shape(rows, cols);
            for (float[] f : ft) {
                h.model(f, "weight", 0.4, "density", 0.5, "epsilon", 0.1, "gamma", 0.02);
            }
            h.base(base);
            if (name.equals("sce")) {
                h.global("select_topk", 0.5);
            }
            double best = Double.MAX_VALUE;
            double bestCpu = Double.MAX_VALUE;
            float checksum = 0;
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                long c0 = threads.getCurrentThreadCpuTime();
                float[] out = h.merge();
                bestCpu = Math.min(bestCpu, (threads.getCurrentThreadCpuTime() - c0) / 1e9);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                checksum += out[n / 2];
            }
            // CPU time is what to compare on a shared machine; wall time includes waiting for a core
            System.out.printf(Locale.ROOT, "%-16s wall %7.3f s  cpu %7.3f s  %7.1f M output elements per cpu-s"
                    + "  (checksum %.4g)%n", name, best, bestCpu, n / bestCpu / 1e6, checksum);
        }
    }

    private static float[] gaussian(int n, long seed, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }
}
