package dev.amalgam.bench.jmh;

import dev.amalgam.kernel.Kernels;
import dev.amalgam.kernel.ScalarKernels;
import dev.amalgam.kernel.VectorKernels;
import dev.amalgam.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of the kernels, scalar reference against Vector API, in elements per second (each invocation
 * processes {@link #N} elements; the score is operations = elements per second). N is one merge chunk
 * (64 Ki elements), the size the executor hands to kernels, so the working set sits in L2 as it does in a merge.
 *
 * <p>{@code java -jar amalgam-bench/target/benchmarks.jar KernelBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    static final int N = 1 << 16;

    @Param({"scalar", "vector"})
    public String kernels;

    private Kernels k;
    private MemorySegment bf16;
    private MemorySegment f16;
    private MemorySegment outBytes;
    private float[] a;
    private float[] b;
    private float[] c;
    private float[] out;
    private float[][] three;
    private final float[] weights = {0.2f, 0.3f, 0.5f};

    @Setup
    public void setup() {
        k = kernels.equals("scalar") ? new ScalarKernels() : new VectorKernels();
        SplittableRandom r = new SplittableRandom(42);
        a = new float[N];
        b = new float[N];
        c = new float[N];
        out = new float[N];
        for (int i = 0; i < N; i++) {
            a[i] = (float) r.nextGaussian() * 0.02f;
            b[i] = (float) r.nextGaussian() * 0.02f;
            c[i] = (float) r.nextGaussian() * 0.02f;
        }
        three = new float[][]{a, b, c};
        Arena arena = Arena.ofAuto();
        bf16 = arena.allocate(2L * N, 64);
        f16 = arena.allocate(2L * N, 64);
        outBytes = arena.allocate(2L * N, 64);
        new ScalarKernels().fromFloat(DType.BF16, a, 0, N, bf16, 0);
        new ScalarKernels().fromFloat(DType.F16, a, 0, N, f16, 0);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float bf16ToFloat() {
        k.toFloat(DType.BF16, bf16, 0, out, 0, N);
        return out[N - 1];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float f16ToFloat() {
        k.toFloat(DType.F16, f16, 0, out, 0, N);
        return out[N - 1];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void floatToBf16(Blackhole bh) {
        k.fromFloat(DType.BF16, a, 0, N, outBytes, 0);
        bh.consume(outBytes);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void floatToF16(Blackhole bh) {
        k.fromFloat(DType.F16, a, 0, N, outBytes, 0);
        bh.consume(outBytes);
    }

    /** The whole inner loop of a 3-model bf16 linear merge: three decodes, a weighted sum, one encode. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void linearMergeChunkBf16(Blackhole bh) {
        k.toFloat(DType.BF16, bf16, 0, a, 0, N);
        k.toFloat(DType.BF16, bf16, 0, b, 0, N);
        k.toFloat(DType.BF16, bf16, 0, c, 0, N);
        k.weightedSum(out, three, weights, 3, N);
        k.fromFloat(DType.BF16, out, 0, N, outBytes, 0);
        bh.consume(outBytes);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float weightedSum3() {
        k.weightedSum(out, three, weights, 3, N);
        return out[N - 1];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float lerp() {
        k.lerp(out, a, b, 0.3f, N);
        return out[N - 1];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public double dot() {
        return k.dot(a, b, N);
    }
}
