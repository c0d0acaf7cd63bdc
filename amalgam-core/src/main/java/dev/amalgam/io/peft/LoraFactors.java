package dev.amalgam.io.peft;

/**
 * One module's LoRA update held in memory: {@code scale·B·A}, with A (rank × in) and B (out × rank) row-major,
 * always in B·A orientation whatever the base layout (formats.md §6).
 *
 * @param module the base model's module path
 * @param bias   {@code lora_B.bias} (out values, also multiplied by scale when applied), or null
 */
public record LoraFactors(String module, LoraLayout layout, int rank, int out, int in, float[] a, float[] b,
                          double scale, float[] bias) {
    public LoraFactors {
        if (a.length != (long) rank * in || b.length != (long) out * rank) {
            throw new IllegalArgumentException(module + ": factor sizes do not match rank " + rank);
        }
    }

    /** The dense update {@code scale·B·A} (out × in), accumulated in float64 and rounded once. */
    public float[] delta() {
        float[] d = new float[out * in];
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            java.util.Arrays.fill(row, 0);
            for (int k = 0; k < rank; k++) {
                double bk = b[o * rank + k];
                if (bk == 0) {
                    continue;
                }
                int base = k * in;
                for (int i = 0; i < in; i++) {
                    row[i] += bk * a[base + i];
                }
            }
            for (int i = 0; i < in; i++) {
                d[o * in + i] = (float) (scale * row[i]);
            }
        }
        return d;
    }
}
