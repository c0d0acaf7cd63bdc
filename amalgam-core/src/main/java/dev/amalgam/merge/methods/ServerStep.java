package dev.amalgam.merge.methods;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.SideInputMethod;
import dev.amalgam.merge.SideRequest;
import dev.amalgam.merge.SideTensor;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the stateful server steps of federated and DiLoCo training (methods.md §5): {@code base_model} is the
 * global model x_t, the models are the clients (workers), and the step updates x_t with the clients' weighted mean
 * change Δ = Σ ω_i (x_i − x_t) through an optimizer whose state (momentum, second moment) lives in
 * {@code OUT_PATH/optimizer_state.safetensors}: float32 tensors {@code <slot>.<tensor name>} with metadata naming
 * the optimizer, the step and the hyperparameters. The next round passes that file back as
 * {@code optimizer_state}; without it the state starts at its initial value. Element-wise, in float64, streamed in
 * chunks.
 */
abstract class ServerStep implements MergeMethod, SideInputMethod {
    static final String STATE_PARAM = "optimizer_state";
    private static final int CHUNK = 1 << 15;

    /** The update of one tensor, its hyperparameters bound. */
    interface Update {
        /**
         * New value of one element from the global value {@code x} and client change {@code delta}; reads and
         * updates {@code state[k][e]} for each slot k.
         */
        double apply(double x, double delta, float[][] state, int e);
    }

    /** The state slots, e.g. {@code m}, {@code v}. */
    abstract List<String> slots();

    /** Initial value of slot {@code k} for the first round (0 for momenta, τ² for FedOpt's v). */
    abstract double initial(int k, TensorMergeContext ctx);

    abstract Update update(TensorMergeContext ctx);

    /** Range checks of the hyperparameters, or null. */
    abstract String checkHyperparameters(ResolvedParams p);

    @Override
    public final List<String> stateSlots() {
        return slots();
    }

    @Override
    public final String stateParam() {
        return STATE_PARAM;
    }

    @Override
    public Map<String, String> stateMetadata(ResolvedParams globals) {
        Map<String, String> m = new LinkedHashMap<>();
        globals.values().forEach((k, v) -> {
            if (v instanceof Double d) {
                m.put(k, Double.toString(d));
            }
        });
        return m;
    }

    @Override
    public String validate(TensorMergeContext ctx) {
        String p = ClientWeights.validate(ctx, info().name());
        if (p != null) {
            return p;
        }
        String h = checkHyperparameters(ctx.params());
        return h == null ? null : info().name() + ": " + h;
    }

    @Override
    public final List<SideRequest> sideRequests(TensorMergeContext ctx, List<InputTensor> inputs) {
        if (!(ctx.params().values().get(STATE_PARAM) instanceof String path)) {
            return List.of();
        }
        List<SideRequest> out = new ArrayList<>();
        for (String slot : slots()) {
            out.add(new SideRequest(-1, "state:" + slot, STATE_PARAM, path, slot + "." + ctx.outputName(),
                    ctx.shape(), false));
        }
        return out;
    }

    @Override
    public final void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
        ClientWeights cw = ClientWeights.of(ctx);
        Update u = update(ctx);
        List<String> slots = slots();
        SideTensor[] previous = new SideTensor[slots.size()];
        TensorOutput[] next = new TensorOutput[slots.size()];
        float[] init = new float[slots.size()];
        for (int k = 0; k < previous.length; k++) {
            previous[k] = inputs.side("state:" + slots.get(k));
            next[k] = output.state(slots.get(k));
            init[k] = (float) initial(k, ctx);
        }
        long numel = inputs.numel();
        int chunk = (int) Math.min(CHUNK, Math.max(1, numel));
        float[][] in = new float[inputs.count()][chunk];
        float[][] state = new float[slots.size()][chunk];
        float[] out = new float[chunk];
        double[] delta = new double[chunk];
        for (long off = 0; off < numel; off += chunk) {
            int len = (int) Math.min(chunk, numel - off);
            for (int i = 0; i < in.length; i++) {
                inputs.read(i, off, in[i], 0, len);
            }
            for (int k = 0; k < state.length; k++) {
                if (previous[k] != null) {
                    previous[k].read(off, state[k], 0, len);
                } else {
                    java.util.Arrays.fill(state[k], 0, len, init[k]);
                }
            }
            // the deltas through the kernels; the optimizer's own update stays per element (its state is per slot)
            cw.deltas(in, delta, len);
            for (int e = 0; e < len; e++) {
                out[e] = (float) u.apply(in[cw.base()][e], delta[e], state, e);
            }
            output.write(off, out, 0, len);
            for (int k = 0; k < state.length; k++) {
                next[k].write(off, state[k], 0, len);
            }
        }
    }

    /** A problem when {@code v} is outside [lo, hi) (or [lo, hi] when {@code closed}), else null. */
    static String range(ResolvedParams p, String name, double lo, double hi, boolean closed) {
        double v = p.number(name);
        boolean ok = v >= lo && (closed ? v <= hi : v < hi);
        return ok ? null : name + " must be in [" + lo + ", " + hi + (closed ? "]" : ")") + ", got " + v;
    }

    static String positive(ResolvedParams p, String name) {
        double v = p.number(name);
        return v > 0 && !Double.isInfinite(v) ? null : name + " must be finite and > 0, got " + v;
    }

    static String first(String... problems) {
        for (String s : problems) {
            if (s != null) {
                return s;
            }
        }
        return null;
    }
}
