package dev.amalgam.io.peft;

/**
 * How a base weight is laid out relative to a LoRA update {@code B·A}, which is always (out × in) with A (r × in)
 * and B (out × r) (formats.md §6).
 */
public enum LoraLayout {
    /** nn.Linear: W is (out, in); element (o, i) gets s·Σ B[o,k]·A[k,i]. */
    LINEAR,
    /** GPT-2 Conv1D (fan_in_fan_out): W is (in, out); element (i, o) gets s·Σ B[o,k]·A[k,i]. */
    FAN_IN_FAN_OUT,
    /** nn.Embedding: W is (num, dim), A is (r, num), B is (dim, r); element (t, d) gets s·Σ B[d,k]·A[k,t]. */
    EMBEDDING;

    /** The base weight's shape for an update of {@code out × in}. */
    public long[] baseShape(long out, long in) {
        return this == LINEAR ? new long[]{out, in} : new long[]{in, out};
    }
}
