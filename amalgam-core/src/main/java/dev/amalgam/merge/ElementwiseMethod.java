package dev.amalgam.merge;

/**
 * Base for methods whose output element i depends only on the inputs' element i (linear, task arithmetic, ...).
 * The tensor is streamed in chunks, so no whole tensor is ever converted to float32 at once.
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
        ChunkKernel k = kernel(ctx);
        long numel = inputs.numel();
        int chunk = (int) Math.min(CHUNK, Math.max(1, numel));
        float[][] in = new float[inputs.count()][chunk];
        float[] out = new float[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int n = (int) Math.min(chunk, numel - off);
            for (int i = 0; i < in.length; i++) {
                inputs.read(i, off, in[i], 0, n);
            }
            k.apply(in, out, n, off);
            output.write(off, out, 0, n);
        }
    }
}
