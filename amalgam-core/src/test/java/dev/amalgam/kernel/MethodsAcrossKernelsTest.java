package dev.amalgam.kernel;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.testing.ArrayTensors;
import dev.amalgam.testing.ArrayTensors.Ctx;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole methods give the same bytes with the scalar and the vector kernels (the same merge, the kernels pinned
 * for this thread), on a tensor of an awkward length with special values among realistic ones.
 */
class MethodsAcrossKernelsTest {
    private static final long[] SHAPE = {1025 * 3 + 7};
    private static final long[] MATRIX = {7, 1025 * 3 / 7 + 1};

    static Stream<Arguments> recipes() {
        return Stream.of(
                Arguments.of("nearswap", (Supplier<Ctx>) () -> new Ctx(2).base(0).global("t", 0.001), SHAPE, 2),
                Arguments.of("ram", (Supplier<Ctx>) () -> new Ctx(3).base(0).global("epsilon", 1e-3), SHAPE, 3),
                Arguments.of("magmax", (Supplier<Ctx>) () -> new Ctx(3).base(0).global("lambda", 0.5), SHAPE, 3),
                Arguments.of("slerp", (Supplier<Ctx>) () -> new Ctx(2).base(0).global("t", 0.3), SHAPE, 2),
                Arguments.of("slerp", (Supplier<Ctx>) () -> new Ctx(2).base(1).global("t", 0.6), MATRIX, 2),
                Arguments.of("task_arithmetic", (Supplier<Ctx>) () -> new Ctx(3).base(0).input(1, "weight", 0.7)
                        .input(2, "weight", 0.4), SHAPE, 3),
                Arguments.of("ties", (Supplier<Ctx>) () -> new Ctx(3).base(0).input(1, "weight", 0.7)
                        .input(2, "weight", 0.4).input(1, "density", 0.5).input(2, "density", 0.5), SHAPE, 3),
                // DARE's hashed drop and DELLA's bit mask, each followed by the L1 rescale
                Arguments.of("dare_ties", (Supplier<Ctx>) () -> new Ctx(3).base(0).input(1, "weight", 0.7)
                        .input(2, "weight", 0.4).input(1, "density", 0.5).input(2, "density", 0.6), SHAPE, 3),
                Arguments.of("della", (Supplier<Ctx>) () -> new Ctx(3).base(0).input(1, "weight", 0.7)
                        .input(2, "weight", 0.4).input(1, "density", 0.5).input(2, "density", 0.6), MATRIX, 3),
                Arguments.of("sce", (Supplier<Ctx>) () -> new Ctx(3).base(0).global("select_topk", 0.5), SHAPE, 3),
                Arguments.of("sce", (Supplier<Ctx>) () -> new Ctx(3).base(0).global("select_topk", 1.0), MATRIX, 3),
                Arguments.of("arcee_fusion", (Supplier<Ctx>) () -> new Ctx(2).base(0), MATRIX, 2),
                Arguments.of("arcee_fusion", (Supplier<Ctx>) () -> new Ctx(2).base(1), SHAPE, 2),
                Arguments.of("ramplus_tl", (Supplier<Ctx>) () -> new Ctx(3).base(0).global("epsilon", 1e-3), SHAPE, 3),
                Arguments.of("dare_linear", (Supplier<Ctx>) () -> new Ctx(3).base(0).input(1, "weight", 0.7)
                        .input(2, "weight", 0.4).input(1, "density", 0.5).input(2, "density", 0.6), SHAPE, 3),
                Arguments.of("ema", (Supplier<Ctx>) () -> new Ctx(3).global("decay", 0.9), SHAPE, 3),
                Arguments.of("swa", (Supplier<Ctx>) () -> new Ctx(3), SHAPE, 3),
                Arguments.of("fedavg", (Supplier<Ctx>) () -> new Ctx(3).base(0), SHAPE, 3),
                Arguments.of("model_stock", (Supplier<Ctx>) () -> new Ctx(3).base(0), MATRIX, 3));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("recipes")
    void sameBytesWithEitherKernels(String method, Supplier<Ctx> ctx, long[] shape, int inputs) {
        MergeMethod m = MethodRegistry.find(method).orElseThrow();
        int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
        float[] base = ArrayTensors.gaussian(11, n);
        float[][] in = new float[inputs][];
        in[0] = base;
        for (int i = 1; i < inputs; i++) {
            in[i] = ArrayTensors.perturb(base, 11 + i, 0.01f);
        }
        // a few exact ties with the base and signed zeros: the branches of nearswap, ram and ties
        for (int e = 0; e < n; e += 97) {
            in[inputs - 1][e] = base[e];
        }
        base[5] = -0f;
        float[] scalar = merge(new ScalarKernels(), m, ctx.get(), shape, in);
        float[] vector = merge(new VectorKernels(), m, ctx.get(), shape, in);
        ArrayTensors.assertAllClose(vector, scalar, 0);
    }

    private static float[] merge(Kernels k, MergeMethod m, Ctx ctx, long[] shape, float[][] in) {
        KernelSelection.PINNED.set(k);
        try {
            return ArrayTensors.merge(m, ctx, shape, in);
        } finally {
            KernelSelection.PINNED.remove();
        }
    }
}
