package dev.amalgam.plan;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.BadInputException;
import dev.amalgam.io.model.ModelLocator;
import dev.amalgam.io.safetensors.TensorInfo;
import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.merge.SideInputMethod;
import dev.amalgam.merge.SideRequest;
import dev.amalgam.merge.TensorMergeContext;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The side-input files of a plan (Fisher values, Gram matrices, optimizer state; methods.md §0.6), resolved and
 * checked per tensor while the plan is built: each file is found like a model path (working directory, then the
 * recipe's folder), its header read once, and every requested key checked for presence, shape and a float dtype.
 * Problems name the file, the parameter that named it and the tensor. Also decides the metadata of the state file
 * a stateful method writes.
 */
public final class SideInputFiles implements AutoCloseable {
    /** The side inputs of a method that has none. */
    public static final SideInputFiles NONE = new SideInputFiles(null, null, null, null);

    /** Problems reported per file before the rest are summarized. */
    private static final int SHOWN_PER_FILE = 3;

    private final SideInputMethod method;
    private final String methodName;
    private final ModelLocator locator;
    private final Problems problems;
    private final Map<String, SideFile> files = new LinkedHashMap<>();
    private final Set<String> failed = new java.util.HashSet<>();
    private final Map<String, Integer> problemsPerFile = new HashMap<>();
    private Map<String, String> stateMetadata;

    private SideInputFiles(SideInputMethod method, String methodName, ModelLocator locator, Problems problems) {
        this.method = method;
        this.methodName = methodName;
        this.locator = locator;
        this.problems = problems;
    }

    static SideInputFiles of(SideInputMethod method, String methodName, ModelLocator locator, Problems problems) {
        return new SideInputFiles(method, methodName, locator, problems);
    }

    /** The state slots the method writes per merged tensor (none for most methods). */
    public List<String> stateSlots() {
        return method == null ? List.of() : method.stateSlots();
    }

    /** Metadata of {@code optimizer_state.safetensors}: optimizer, step, hyperparameters. */
    public Map<String, String> stateMetadata() {
        return stateMetadata == null ? Map.of() : stateMetadata;
    }

    /**
     * Resolves the side tensors of one job; returns them by request id, or null when a problem was reported (the
     * job is then left out, and the plan fails with all problems listed).
     */
    Map<String, SideLocation> resolve(TensorMergeContext ctx, List<JobInput> inputs) {
        if (method == null) {
            return Map.of();
        }
        if (stateMetadata == null) {
            stateMetadata = decideStateMetadata(ctx.params());
        }
        List<SideInputMethod.InputTensor> views = inputs.stream().map(i -> new SideInputMethod.InputTensor(
                i.tensorName(), i.location().info().shape(), i.model().layout().modelType())).toList();
        Map<String, SideLocation> out = new LinkedHashMap<>();
        boolean ok = true;
        for (SideRequest r : method.sideRequests(ctx, views)) {
            SideFile f = file(r.path(), r.param(), owner(r, ctx));
            if (f == null) {
                ok = false;
                continue;
            }
            TensorInfo t = f.find(r.key()).orElse(null);
            if (t == null && r.input() >= 0) {
                // a tied output head is read from the embedding, and its side tensor is keyed by that name too
                String stored = inputs.get(r.input()).location().info().name();
                if (r.key().equals(inputs.get(r.input()).tensorName()) && !stored.equals(r.key())) {
                    t = f.find(stored).orElse(null);
                }
            }
            if (t == null) {
                if (!r.optional()) {
                    report(f, "side-input file " + f.shown() + " (parameter '" + r.param() + "' of " + owner(r, ctx)
                            + ") has no tensor '" + r.key() + "', needed to merge " + ctx.outputName()
                            + "; it must hold every tensor of the model under the model's own tensor names");
                    ok = false;
                }
                continue;
            }
            String stored = f.aliasOf(r.key()) == null ? "'" + r.key() + "'"
                    : "'" + t.name() + "' (alias of '" + r.key() + "')";
            if (!t.dtype().isMergeableFloat()) {
                report(f, "tensor " + stored + " of side-input file " + f.shown() + " is " + t.dtype()
                        + "; side inputs must be floating point (F32 recommended)");
                ok = false;
                continue;
            }
            if (!Arrays.equals(t.shape(), r.shape())) {
                report(f, "tensor " + stored + " of side-input file " + f.shown() + " has shape "
                        + Arrays.toString(t.shape()) + ", but merging " + ctx.outputName() + " with "
                        + owner(r, ctx) + " needs " + Arrays.toString(r.shape()));
                ok = false;
                continue;
            }
            long[] view = r.shape();
            if (r.input() >= 0) {
                JobInput in = inputs.get(r.input());
                if (Arrays.equals(r.shape(), in.location().info().shape())) {
                    view = in.viewShape();
                }
            }
            out.put(r.id(), new SideLocation(f, t, view));
        }
        if (!ok) {
            return null;
        }
        String problem = method.checkSides(ctx, out.keySet());
        if (problem != null) {
            problems.config(problem);
            return null;
        }
        return out;
    }

    private static String owner(SideRequest r, TensorMergeContext ctx) {
        return r.input() >= 0 ? "model '" + ctx.inputModels().get(r.input()) + "'" : "the merge";
    }

    private SideFile file(String shown, String param, String owner) {
        SideFile f = files.get(shown);
        if (f != null || failed.contains(shown)) {
            return f;
        }
        try {
            Path p = locator.locateFile(shown, "side-input file (parameter '" + param + "' of " + owner + ")");
            f = SideFile.open(p, shown);
            if (param.equals(method.stateParam())) {
                checkStateFile(f);
            }
            files.put(shown, f);
            return f;
        } catch (AmalgamException e) {
            failed.add(shown);
            problems.add(e);
            return null;
        }
    }

    private void checkStateFile(SideFile f) {
        String written = f.metadata().get("optimizer");
        if (written == null) {
            throw new BadInputException("optimizer state " + f.shown() + " has no 'optimizer' metadata entry; pass"
                    + " the optimizer_state.safetensors that the previous " + methodName + " round wrote");
        }
        if (!written.equals(methodName)) {
            throw new BadInputException("optimizer state " + f.shown() + " was written by " + written + ", not by "
                    + methodName + "; its moments mean something else. Start from no state or use " + written);
        }
        String step = f.metadata().get("step");
        if (step == null || !step.matches("\\d{1,18}")) {
            throw new BadInputException("optimizer state " + f.shown() + " has no valid 'step' metadata entry (found "
                    + step + ")");
        }
    }

    private Map<String, String> decideStateMetadata(ResolvedParams globals) {
        if (method.stateSlots().isEmpty()) {
            return Map.of();
        }
        long previous = 0;
        String param = method.stateParam();
        if (param != null && globals.values().get(param) instanceof String path) {
            SideFile f = file(path, param, "the merge");
            if (f != null) {
                previous = Long.parseLong(f.metadata().get("step"));
            }
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("optimizer", methodName);
        m.put("step", Long.toString(previous + 1));
        m.putAll(method.stateMetadata(globals));
        return m;
    }

    private void report(SideFile f, String message) {
        int n = problemsPerFile.merge(f.shown(), 1, Integer::sum);
        if (n <= SHOWN_PER_FILE) {
            problems.add(new BadInputException(message));
        } else if (n == SHOWN_PER_FILE + 1) {
            problems.add(new BadInputException("(more tensors of side-input file " + f.shown()
                    + " have problems of the same kind)"));
        }
    }

    @Override
    public void close() {
        files.values().forEach(SideFile::close);
    }
}
