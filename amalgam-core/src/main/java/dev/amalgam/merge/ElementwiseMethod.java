package dev.amalgam.merge;

/**
 * Base for methods whose output element i depends only on the inputs' element i (linear, task arithmetic, ...).
 * The tensor is streamed in chunks, so no whole tensor is ever converted to float32 at once, and the executor
 * splits large tensors into element ranges ({@link #mergeRange}) that run on several threads. A kernel therefore
 * sees any chunk of any range, in any order and on any thread; it must depend only on its arguments (random
 * draws keyed by the flat element index, as {@code CounterRandom} does, keep that true for random methods).
 * The arithmetic belongs in {@link dev.amalgam.kernel.Kernels} ({@code Kernels.active()}), which runs it with SIMD.
 */
public abstract class ElementwiseMethod implements MergeMethod {
    /** Elements per chunk: 64 Ki floats = 256 KiB per input, comfortably inside L2 for a few inputs. */
    public static final int CHUNK = 1 << 16;

    /** The per-element function for one tensor, with parameters already bound. */
    @FunctionalInterface
    public interface ChunkKernel {
        /** Combines {@code n} elements of each input into {@code out}; {@code offset} is the flat position. */
        void apply(float[][] in, float[] out, int n, long offset);
    }

    protected abstract ChunkKernel kernel(TensorMergeContext ctx);

    @Override
    public final void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        mergeRange(ctx, inputs, output, 0, inputs.numel());
    }

    /** Merges only the flat elements {@code [from, to)}: one of the parts the executor runs in parallel. */
    public final void mergeRange(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output, long from, long to) {
        ChunkKernel k = kernel(ctx);
        int chunk = (int) Math.min(CHUNK, Math.max(1, to - from));
        float[][] in = Buffers.inputs(inputs.count(), chunk);
        float[] out = Buffers.output(chunk);
        for (long off = from; off < to; off += chunk) {
            int n = (int) Math.min(chunk, to - off);
            for (int i = 0; i < in.length; i++) {
                inputs.read(i, off, in[i], 0, n);
            }
            k.apply(in, out, n, off);
            output.write(off, out, 0, n);
        }
    }

    /**
     * Chunk buffers reused by each worker thread across tensors and ranges: a merge then allocates almost nothing,
     * and the heap (the process's anonymous memory) stays small however many tensors pass through.
     */
    private static final class Buffers {
        private static final ThreadLocal<float[][]> INPUTS = ThreadLocal.withInitial(() -> new float[0][]);
        private static final ThreadLocal<float[]> OUTPUT = ThreadLocal.withInitial(() -> new float[0]);

        static float[][] inputs(int count, int chunk) {
            float[][] b = INPUTS.get();
            // exactly one array per input (kernels may iterate over them); each at least a chunk long
            if (b.length != count || count > 0 && b[0].length < chunk) {
                b = new float[count][CHUNK];
                INPUTS.set(b);
            }
            return b;
        }

        static float[] output(int chunk) {
            float[] b = OUTPUT.get();
            if (b.length < chunk) {
                b = new float[CHUNK];
                OUTPUT.set(b);
            }
            return b;
        }
    }

    @Override
    public boolean needsWholeTensor() {
        return false;
    }

    /** One chunk of float32 per input and one for the output. */
    @Override
    public long workingMemoryBytes(long numel, int inputCount) {
        return (inputCount + 1L) * Math.min(CHUNK, numel) * Float.BYTES;
    }
}
