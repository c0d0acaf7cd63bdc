package dev.amalgam.testing;

import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Compares a model folder with the one mergekit produced, with the tolerances of the golden README: float32
 * |ours − mergekit| ≤ 1e-5 + 1e-4·|mergekit|; bf16/f16 within 2 ulp of the stored dtype for ≥ 99.9% of
 * elements and never more than 8 ulp; integer tensors equal. The report names every failing tensor with its max
 * difference and first differing elements.
 */
public final class GoldenComparator {
    private GoldenComparator() {
    }

    /** The comparison outcome: {@code ok()} and a human-readable report. */
    public record Result(boolean ok, String report, double worst) {
    }

    /**
     * How strictly values are compared (compare.py's {@code --mode}): {@code CLOSE} as above; {@code LOOSE} lets up
     * to 1% of each tensor's elements exceed the close tolerance (arcee_fusion, whose keep/drop decision hinges on
     * the last bits of a float32 KL value).
     */
    public enum Mode { CLOSE, LOOSE }

    public static Result compare(Path expectedDir, Path actualDir) {
        return compare(expectedDir, actualDir, Mode.CLOSE);
    }

    public static Result compare(Path expectedDir, Path actualDir, Mode mode) {
        List<String> lines = new ArrayList<>();
        double worst = 0;
        try (ModelFolder exp = ModelFolder.open(expectedDir); ModelFolder act = ModelFolder.open(actualDir)) {
            var en = new TreeSet<>(exp.tensors().keySet());
            var an = new TreeSet<>(act.tensors().keySet());
            if (!en.equals(an)) {
                var missing = new TreeSet<>(en);
                missing.removeAll(an);
                var extra = new TreeSet<>(an);
                extra.removeAll(en);
                lines.add("tensor names differ: missing " + missing + ", extra " + extra);
            }
            for (String name : en) {
                if (!an.contains(name)) {
                    continue;
                }
                TensorLocation e = exp.tensor(name).orElseThrow();
                TensorLocation a = act.tensor(name).orElseThrow();
                if (e.info().dtype() != a.info().dtype() || !Arrays.equals(e.info().shape(), a.info().shape())) {
                    lines.add(name + ": expected " + e.info().dtype() + e.info().shapeString() + ", got "
                            + a.info().dtype() + a.info().shapeString());
                    continue;
                }
                int n = (int) e.info().numel();
                float[] ev = new float[n];
                float[] av = new float[n];
                Conversions.toFloat(e.info().dtype(), exp.bytes(e), 0, ev, 0, n);
                Conversions.toFloat(a.info().dtype(), act.bytes(a), 0, av, 0, n);
                DType dt = e.info().dtype();
                double tensorWorst = 0;
                int beyond = 0;
                List<String> firsts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    double score;
                    boolean bad;
                    if (dt == DType.BF16 || dt == DType.F16) {
                        score = ulps(ev[i], av[i], dt);
                        bad = score > 2.0;
                    } else if (dt.isMergeableFloat()) {
                        score = Math.abs((double) av[i] - ev[i]) / (1e-5 + 1e-4 * Math.abs(ev[i]));
                        bad = score > 1.0;
                    } else {
                        score = ev[i] == av[i] ? 0 : Double.POSITIVE_INFINITY;
                        bad = score > 0;
                    }
                    if (Double.isNaN(av[i]) != Double.isNaN(ev[i])) {
                        score = Double.POSITIVE_INFINITY;
                        bad = true;
                    }
                    tensorWorst = Math.max(tensorWorst, score);
                    if (bad) {
                        beyond++;
                        if (firsts.size() < 5) {
                            firsts.add(String.format(Locale.ROOT, "[%d] expected %.9g got %.9g", i, ev[i], av[i]));
                        }
                    }
                }
                // in loose mode the figure that matters is the fraction of elements beyond tolerance
                worst = Math.max(worst, mode == Mode.LOOSE ? (double) beyond / Math.max(1, n) : tensorWorst);
                boolean fail;
                if (mode == Mode.LOOSE) {
                    fail = beyond > n * 1e-2;
                } else if (dt == DType.BF16 || dt == DType.F16) {
                    fail = beyond > n * 1e-3 || tensorWorst > 8;
                } else {
                    fail = beyond > 0;
                }
                if (fail) {
                    lines.add(String.format(Locale.ROOT, "%s (%s): %d of %d elements beyond tolerance, worst %.3g %s;"
                            + " first: %s", name, dt, beyond, n, tensorWorst,
                            dt == DType.BF16 || dt == DType.F16 ? "ulp" : "× tolerance", firsts));
                }
            }
        }
        String summary = String.format(Locale.ROOT, "%s: %s vs %s, worst %.3g", lines.isEmpty() ? "OK" : "MISMATCH",
                actualDir, expectedDir, worst);
        lines.add(summary);
        return new Result(lines.size() == 1, String.join("\n", lines), worst);
    }

    /** Distance in units of the stored dtype's spacing at |expected| (as compare.py computes it). */
    static double ulps(float expected, float actual, DType dt) {
        double ulp = dt == DType.BF16 ? Math.pow(2, -7) : Math.pow(2, -10);
        double minMag = dt == DType.F16 ? Math.pow(2, -14) : Math.pow(2, -126);
        double mag = Math.max(Math.abs((double) expected), minMag);
        double spacing = Math.pow(2, Math.floor(Math.log(mag) / Math.log(2))) * ulp;
        return Math.abs((double) actual - expected) / spacing;
    }
}
