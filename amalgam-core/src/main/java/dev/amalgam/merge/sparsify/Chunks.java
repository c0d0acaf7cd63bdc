package dev.amalgam.merge.sparsify;

/** Streams a {@link ValueSource} front to back in fixed chunks, so every pass reads the same stretches. */
final class Chunks {
    /** 64 Ki floats: the executor's chunk size (ElementwiseMethod.CHUNK). */
    static final int SIZE = 1 << 16;

    /** Called with each chunk; returns false to stop early. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(float[] values, int n, long offset);
    }

    private Chunks() {
    }

    static void forEach(ValueSource src, long numel, Visitor visitor) {
        float[] buf = new float[(int) Math.min(SIZE, Math.max(1, numel))];
        for (long off = 0; off < numel; off += buf.length) {
            int n = (int) Math.min(buf.length, numel - off);
            src.read(off, buf, n);
            if (!visitor.visit(buf, n, off)) {
                return;
            }
        }
    }
}
