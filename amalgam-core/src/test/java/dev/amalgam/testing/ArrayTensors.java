package dev.amalgam.testing;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.tensor.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * In-memory float32 tensors for calling a merge method directly, without model folders: build the inputs, a
 * context with the parameters, and collect the output. Every read and write goes through the same chunked
 * interfaces the executor uses, and the output checks that every element is written exactly once.
 */
public final class ArrayTensors implements TensorInputs {
    private final long[] shape;
    private final float[][] data;

    public ArrayTensors(long[] shape, float[]... data) {
        this.shape = shape.clone();
        this.data = data;
        for (float[] d : data) {
            if (d.length != numel()) {
                throw new IllegalArgumentException("input of " + d.length + " elements for shape " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public int count() {
        return data.length;
    }

    @Override
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype(int input) {
        return DType.F32;
    }

    @Override
    public void read(int input, long offset, float[] dst, int dstOffset, int n) {
        System.arraycopy(data[input], (int) offset, dst, dstOffset, n);
    }

    /** Seeded standard-normal values. */
    public static float[] gaussian(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller; plenty for test data
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    /** {@code base + scale · noise(seed)}: a seeded "fine-tune" of {@code base}. */
    public static float[] perturb(float[] base, long seed, float scale) {
        float[] noise = gaussian(seed, base.length);
        float[] out = new float[base.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = base[i] + scale * noise[i];
        }
        return out;
    }

    /** A context builder: global parameters, per-input parameters and which input is the base. */
    public static final class Ctx {
        private final Map<String, Object> globals = new LinkedHashMap<>();
        private final List<Map<String, Object>> perInput = new ArrayList<>();
        private int base = -1;
        private long seed = 42;
        private String name = "model.layers.0.mlp.down_proj.weight";
        public final List<String> warnings = new ArrayList<>();

        public Ctx(int inputs) {
            for (int i = 0; i < inputs; i++) {
                perInput.add(new LinkedHashMap<>());
            }
        }

        public Ctx global(String key, double value) {
            globals.put(key, value);
            return this;
        }

        public Ctx input(int i, String key, double value) {
            perInput.get(i).put(key, value);
            return this;
        }

        public Ctx base(int i) {
            base = i;
            return this;
        }

        public Ctx seed(long s) {
            seed = s;
            return this;
        }

        public Ctx name(String n) {
            name = n;
            return this;
        }

        /** The context, with the method's defaults filled in for unset parameters. */
        public TensorMergeContext build(MergeMethod m, long[] shape) {
            Map<String, Object> g = new LinkedHashMap<>();
            List<ResolvedParams> per = new ArrayList<>();
            List<Map<String, Object>> perValues = new ArrayList<>();
            perInput.forEach(p -> perValues.add(new LinkedHashMap<>()));
            for (var spec : m.info().params()) {
                if (spec.scope() == dev.amalgam.merge.ParamSpec.Scope.GLOBAL) {
                    g.put(spec.name(), globals.getOrDefault(spec.name(), spec.defaultValue()));
                } else {
                    for (int i = 0; i < perInput.size(); i++) {
                        perValues.get(i).put(spec.name(), perInput.get(i).getOrDefault(spec.name(), spec.defaultValue()));
                    }
                }
            }
            perValues.forEach(v -> per.add(new ResolvedParams(v)));
            List<String> models = new ArrayList<>();
            for (int i = 0; i < perInput.size(); i++) {
                models.add("m" + i);
            }
            return new TensorMergeContext(name, shape.clone(), new ResolvedParams(g), per, models, base,
                    dev.amalgam.arch.TensorRoles.isEmbedding(name), seed, warnings::add);
        }
    }

    /** Validates, then merges, and returns the output; fails the test when validation reports a problem. */
    public static float[] merge(MergeMethod m, Ctx ctx, long[] shape, float[]... inputs) {
        ArrayTensors in = new ArrayTensors(shape, inputs);
        TensorMergeContext c = ctx.build(m, shape);
        String problem = m.validate(c);
        if (problem != null) {
            throw new AssertionError("validate: " + problem);
        }
        float[] out = new float[(int) in.numel()];
        boolean[] written = new boolean[out.length];
        TensorOutput sink = (offset, src, srcOffset, n) -> {
            for (int i = 0; i < n; i++) {
                int at = (int) offset + i;
                if (written[at]) {
                    throw new AssertionError("element " + at + " written twice");
                }
                written[at] = true;
                out[at] = src[srcOffset + i];
            }
        };
        m.merge(c, in, sink);
        for (int i = 0; i < written.length; i++) {
            if (!written[i]) {
                throw new AssertionError("element " + i + " never written");
            }
        }
        return out;
    }

    /**
     * Fails unless {@code |actual − expected| ≤ tol} element-wise (tol = 0: bit-identical values), naming the first
     * differing element; a loop instead of AssertJ's array assertions, which are slow on large arrays.
     */
    public static void assertAllClose(float[] actual, float[] expected, float tol) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            boolean ok = tol == 0 ? Float.floatToIntBits(actual[i]) == Float.floatToIntBits(expected[i])
                    : Math.abs(actual[i] - expected[i]) <= tol;
            if (!ok) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + ", got " + actual[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    public static float[] merge(MergeMethod m, Ctx ctx, float[]... inputs) {
        return merge(m, ctx, new long[]{inputs[0].length}, inputs);
    }
}
