package dev.amalgam.testing;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.tensor.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a merge method on in-memory float32 tensors, with parameters filled from the method's declared
 * defaults as the planner would, so method arithmetic can be tested without model folders.
 */
public final class MethodHarness {
    private final MergeMethod method;
    private String tensor = "model.layers.0.mlp.down_proj.weight";
    private long[] shape;
    private int baseIndex = -1;
    private long seed = 42;
    private final Map<String, Object> globals = new LinkedHashMap<>();
    private final List<Map<String, Object>> perModel = new ArrayList<>();
    private final List<float[]> inputs = new ArrayList<>();

    private MethodHarness(MergeMethod method) {
        this.method = method;
    }

    public static MethodHarness of(MergeMethod method) {
        return new MethodHarness(method);
    }

    public MethodHarness tensor(String name, long... shape) {
        this.tensor = name;
        this.shape = shape;
        return this;
    }

    public MethodHarness shape(long... shape) {
        this.shape = shape;
        return this;
    }

    public MethodHarness seed(long seed) {
        this.seed = seed;
        return this;
    }

    public MethodHarness global(String name, Object value) {
        globals.put(name, value);
        return this;
    }

    /** Adds an input model with per-model parameters given as name, value, name, value, ... */
    public MethodHarness model(float[] values, Object... params) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put((String) params[i], params[i + 1]);
        }
        perModel.add(p);
        inputs.add(values);
        return this;
    }

    /** Adds the base model (no parameters). */
    public MethodHarness base(float[] values) {
        baseIndex = inputs.size();
        return model(values);
    }

    public TensorMergeContext context() {
        Map<String, Object> g = new LinkedHashMap<>();
        List<Map<String, Object>> perValues = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            perValues.add(new LinkedHashMap<>());
        }
        for (ParamSpec spec : method.info().params()) {
            if (spec.scope() == ParamSpec.Scope.GLOBAL) {
                g.put(spec.name(), number(globals.getOrDefault(spec.name(), spec.defaultValue())));
            } else {
                for (int i = 0; i < inputs.size(); i++) {
                    perValues.get(i).put(spec.name(), number(perModel.get(i).getOrDefault(spec.name(),
                            spec.defaultValue())));
                }
            }
        }
        List<ResolvedParams> per = perValues.stream().map(ResolvedParams::new).toList();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            names.add(i == baseIndex ? "base" : "model" + i);
        }
        long[] s = shape != null ? shape : new long[]{inputs.get(0).length};
        return new TensorMergeContext(tensor, s, new ResolvedParams(g), per, names, baseIndex, false, seed, w -> { });
    }

    /** The method's validation problem for these parameters, or null. */
    public String validate() {
        return method.validate(context());
    }

    public float[] merge() {
        TensorMergeContext ctx = context();
        long[] s = ctx.shape();
        float[][] data = inputs.toArray(new float[0][]);
        int numel = data[0].length;
        float[] out = new float[numel];
        TensorInputs in = new TensorInputs() {
            @Override
            public int count() {
                return data.length;
            }

            @Override
            public long numel() {
                return numel;
            }

            @Override
            public long[] shape() {
                return s.clone();
            }

            @Override
            public DType dtype(int input) {
                return DType.F32;
            }

            @Override
            public void read(int input, long offset, float[] dst, int dstOffset, int n) {
                System.arraycopy(data[input], (int) offset, dst, dstOffset, n);
            }
        };
        method.merge(ctx, in, (offset, src, srcOffset, n) -> System.arraycopy(src, srcOffset, out, (int) offset, n));
        return out;
    }

    private static Object number(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return v;
    }
}
