package dev.amalgam.merge.random;

import dev.amalgam.kernel.Kernels;
import java.nio.charset.StandardCharsets;

/**
 * A counter-based random generator: the value for element {@code i} of tensor {@code name} is a pure function of
 * (seed, name, i), so a random method produces the same output for any thread count, chunking or scheduling, and
 * the same seed reproduces a merge bit for bit (DESIGN.md principle 2). The mixing function is SplitMix64's
 * finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) applied to a
 * per-tensor key combined with the element index, which passes BigCrush for sequential counters.
 */
public final class CounterRandom {
    private final long key;

    /** A stream for one tensor: keyed by the merge seed and the output tensor's name. */
    public CounterRandom(long seed, String tensorName) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        this.key = h;
    }

    /** Derives an independent stream (e.g. one per input model) from this one. */
    public CounterRandom substream(long index) {
        return new CounterRandom(mix(key + 0x632BE59BD9B4E019L * (index + 1)));
    }

    private CounterRandom(long key) {
        this.key = key;
    }

    /** 64 random bits for counter {@code i}. */
    public long bits(long i) {
        return mix(key + 0x9E3779B97F4A7C15L * (i + 1));
    }

    /** A uniform double in [0, 1) for counter {@code i} (53 random bits). */
    public double uniform(long i) {
        return (bits(i) >>> 11) * 0x1.0p-53;
    }

    /** True with probability {@code p} for counter {@code i} (a Bernoulli draw). */
    public boolean bernoulli(long i, double p) {
        return uniform(i) < p;
    }

    /**
     * Zeroes {@code values[e]} unless {@code bernoulli(first + e, p)}, for {@code e < n}, with the vector kernels:
     * {@code uniform(i) = u·2⁻⁵³} exactly for the 53-bit integer {@code u = bits(i) >>> 11}, and for an integer
     * {@code u}, {@code u·2⁻⁵³ < p ⟺ u < ⌈p·2⁵³⌉} (the product is exact: a power-of-two scale), so this keeps
     * exactly the elements the per-element draw keeps (a NaN p keeps none, as the comparison does).
     */
    public void keepBernoulli(float[] values, int n, long first, double p) {
        long limit = (long) Math.ceil(p * 0x1p53);
        Kernels.active().keepIfHashBelow(values, n, key, first, limit);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
