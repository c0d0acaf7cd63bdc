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
 * difference and first differing elements. The other modes of the golden {@code compare.py} are {@link Mode#LOOSE}
 * and {@link Mode#STAT}.
 */
public final class GoldenComparator {
    /** compare.py's {@code --mode}. */
    public enum Mode {
        /** The tolerances above. */
        CLOSE,
        /** At most 1% of the elements of each tensor beyond the close tolerance (unstable ties in mergekit). */
        LOOSE,
        /**
         * Random methods: names, shapes and dtypes equal, and the mean |ours − mergekit| at most 25% of the
         * tensor's spread (mean |e − mean(e)|). Weak on its own: pair it with property tests.
         */
        STAT
    }

    private GoldenComparator() {
    }

    /** The comparison outcome: {@code ok()} and a human-readable report. */
    public record Result(boolean ok, String report, double worst) {
    }

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
                if (mode == Mode.STAT) {
                    double rel = spreadRelativeDifference(ev, av);
                    worst = Math.max(worst, rel);
                    if (!(rel <= 0.25)) {
                        lines.add(String.format(Locale.ROOT, "%s (%s): mean |diff| is %.3f of the tensor's spread"
                                + " (stat mode allows 0.25)", name, dt, rel));
                    }
                    continue;
                }
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
                if (mode == Mode.LOOSE) {
                    double frac = n == 0 ? 0 : (double) beyond / n;
                    worst = Math.max(worst, frac);
                    if (frac > 0.01) {
                        lines.add(String.format(Locale.ROOT, "%s (%s): %.2f%% of elements differ (loose mode allows"
                                + " 1%%); first: %s", name, dt, 100 * frac, firsts));
                    }
                    continue;
                }
                worst = Math.max(worst, tensorWorst);
                boolean fail;
                if (dt == DType.BF16 || dt == DType.F16) {
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

    /** compare.py's stat measure: mean |a − e| over the mean absolute deviation of e. */
    static double spreadRelativeDifference(float[] e, float[] a) {
        if (e.length == 0) {
            return 0;
        }
        double mean = 0;
        for (float x : e) {
            mean += x;
        }
        mean /= e.length;
        double spread = 0;
        double diff = 0;
        for (int i = 0; i < e.length; i++) {
            spread += Math.abs(e[i] - mean);
            diff += Math.abs((double) a[i] - e[i]);
        }
        spread = spread / e.length + 1e-12;
        return diff / e.length / spread;
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
