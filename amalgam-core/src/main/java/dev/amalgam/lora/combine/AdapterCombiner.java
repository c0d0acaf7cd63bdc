package dev.amalgam.lora.combine;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.peft.LoadedAdapter;
import dev.amalgam.io.peft.LoraFactors;
import dev.amalgam.io.peft.LoraLayout;
import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.lora.LowRankFit;
import dev.amalgam.merge.random.CounterRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Combines several LoRA adapters into one, with PEFT's combination types (methods.md §1.6). With adapter i's update
 * ΔW_i = s_i·B_i·A_i and user weight w_i:
 *
 * <ul>
 *   <li>{@code cat} is exact in both modes: A = vstack(w_i·s_i·A_i), B = hstack(B_i), so B·A = Σ w_i·ΔW_i.</li>
 *   <li>By default every other type is computed in delta space, on the dense ΔW_i with weights w_i, and brought back
 *       to low rank by a truncated SVD (the best approximation at that rank); {@code linear} without an
 *       {@code svd_rank} is written as the exact {@code cat} construction.</li>
 *   <li>With {@code peftCompatible}, PEFT's formulas are reproduced: {@code linear}, {@code ties}, {@code dare_*},
 *       {@code magnitude_prune} combine the A's and the B's separately with coefficients sgn(w_i·s_i)·√|w_i·s_i| and
 *       √|w_i·s_i|, which creates cross terms B_i·A_j (PEFT issue #3004); the SVD types weight deltas that already
 *       include s_i by w_i·s_i again (effective w_i·s_i²) and put all singular values on B.</li>
 * </ul>
 *
 * Modules missing from some adapters get no contribution from them. The result has scale 1 on every module.
 */
public final class AdapterCombiner {
    private AdapterCombiner() {
    }

    public static List<CombinedModule> combine(List<LoadedAdapter> adapters, CombineOptions options) {
        check(adapters, options);
        // PEFT combines a single adapter as linear whatever type was asked for
        CombineOptions o = options.peftCompatible() && adapters.size() == 1 && options.type() != CombinationType.LINEAR
                ? new CombineOptions(CombinationType.LINEAR, options.weights(), options.density(),
                options.majoritySign(), true, options.svdRank(), options.svdClamp(), options.svd(), options.seed())
                : options;
        Set<String> names = new LinkedHashSet<>();
        adapters.forEach(a -> names.addAll(a.modules().keySet()));
        List<CombinedModule> out = new ArrayList<>();
        for (String module : names) {
            List<LoraFactors> present = new ArrayList<>();
            List<Double> w = new ArrayList<>();
            for (int i = 0; i < adapters.size(); i++) {
                LoraFactors f = adapters.get(i).modules().get(module);
                if (f != null) {
                    present.add(f);
                    w.add(o.weights()[i]);
                }
            }
            checkShapes(adapters, module, present);
            double[] weights = w.stream().mapToDouble(Double::doubleValue).toArray();
            out.add(combineModule(module, present, weights, o));
        }
        return out;
    }

    private static void check(List<LoadedAdapter> adapters, CombineOptions o) {
        if (adapters.isEmpty()) {
            throw new ConfigException("lora merge needs at least one adapter");
        }
        if (o.weights().length != adapters.size()) {
            throw new ConfigException("got " + o.weights().length + " weight(s) for " + adapters.size()
                    + " adapter(s); give one weight per adapter");
        }
        if (o.type().primitive().usesDensity() && !(o.density() > 0 && o.density() <= 1)) {
            throw new ConfigException(o.type().peftName() + " needs --density in (0, 1] (the fraction kept), got "
                    + o.density());
        }
        if (o.svdRank() != null && o.svdRank() < 1) {
            throw new ConfigException("--svd-rank must be at least 1, got " + o.svdRank());
        }
        if (o.svdClamp() != null && !(o.svdClamp() > 0 && o.svdClamp() <= 1)) {
            throw new ConfigException("--svd-clamp must be a quantile in (0, 1], got " + o.svdClamp());
        }
        boolean fifo = adapters.get(0).config().fanInFanOut();
        for (LoadedAdapter a : adapters) {
            if (a.config().fanInFanOut() != fifo) {
                throw new BadInputException("adapters " + adapters.get(0).dir() + " and " + a.dir()
                        + " disagree on fan_in_fan_out, so they were not made for the same model");
            }
            if (!a.whole().isEmpty()) {
                throw new BadInputException("LoRA adapter " + a.dir() + " saves tensors whole ("
                        + String.join(", ", a.whole().keySet()) + ": modules_to_save or trained biases); lora merge"
                        + " combines low-rank updates only");
            }
        }
    }

    private static void checkShapes(List<LoadedAdapter> adapters, String module, List<LoraFactors> present) {
        LoraFactors first = present.get(0);
        for (LoraFactors f : present) {
            if (f.out() != first.out() || f.in() != first.in() || f.layout() != first.layout()) {
                throw new BadInputException("module '" + module + "' has a " + first.out() + "×" + first.in() + " "
                        + first.layout() + " update in one adapter and a " + f.out() + "×" + f.in() + " "
                        + f.layout() + " one in another; the adapters were made for different models ("
                        + adapters.stream().map(a -> a.dir().toString()).toList() + ")");
            }
        }
    }

    private static CombinedModule combineModule(String module, List<LoraFactors> fs, double[] w, CombineOptions o) {
        CombinationType type = o.type();
        float[] bias = combinedBias(fs, w);
        if (type == CombinationType.CAT || type == CombinationType.LINEAR && !o.peftCompatible() && o.svdRank() == null) {
            return new CombinedModule(cat(module, fs, w, bias), 0, "exact (concatenated factors)");
        }
        if (o.peftCompatible() && !type.svd()) {
            return factorSpace(module, fs, w, bias, o);
        }
        return deltaSpace(module, fs, w, bias, o);
    }

    /** Σ w_i·s_i·bias_i: the bias terms add linearly in every mode. */
    private static float[] combinedBias(List<LoraFactors> fs, double[] w) {
        if (fs.stream().noneMatch(f -> f.bias() != null)) {
            return null;
        }
        float[] out = new float[fs.get(0).out()];
        for (int o = 0; o < out.length; o++) {
            double s = 0;
            for (int i = 0; i < fs.size(); i++) {
                if (fs.get(i).bias() != null) {
                    s += w[i] * fs.get(i).scale() * fs.get(i).bias()[o];
                }
            }
            out[o] = (float) s;
        }
        return out;
    }

    /** A = vstack(w_i·s_i·A_i), B = hstack(B_i): exactly Σ w_i·s_i·B_i·A_i. */
    static LoraFactors cat(String module, List<LoraFactors> fs, double[] w, float[] bias) {
        LoraFactors first = fs.get(0);
        int in = first.in();
        int out = first.out();
        int rank = fs.stream().mapToInt(LoraFactors::rank).sum();
        float[] a = new float[rank * in];
        float[] b = new float[out * rank];
        int k0 = 0;
        for (int i = 0; i < fs.size(); i++) {
            LoraFactors f = fs.get(i);
            double c = w[i] * f.scale();
            for (int j = 0; j < f.rank() * in; j++) {
                a[k0 * in + j] = (float) (c * f.a()[j]);
            }
            for (int row = 0; row < out; row++) {
                System.arraycopy(f.b(), row * f.rank(), b, row * rank + k0, f.rank());
            }
            k0 += f.rank();
        }
        return new LoraFactors(module, first.layout(), rank, out, in, a, b, 1.0, bias);
    }

    /** PEFT's factor-space combination: the primitive applied to the A stack and to the B stack separately. */
    private static CombinedModule factorSpace(String module, List<LoraFactors> fs, double[] w, float[] bias,
                                              CombineOptions o) {
        int r = fs.get(0).rank();
        for (LoraFactors f : fs) {
            if (f.rank() != r) {
                throw new ConfigException("module '" + module + "' has ranks "
                        + fs.stream().map(LoraFactors::rank).toList() + "; PEFT's " + o.type().peftName() + " combines"
                        + " A and B matrices element by element, which needs equal ranks. Use cat or an _svd type,"
                        + " or drop --peft-compatible");
            }
        }
        double[] ca = new double[fs.size()];
        double[] cb = new double[fs.size()];
        float[][] as = new float[fs.size()][];
        float[][] bs = new float[fs.size()][];
        for (int i = 0; i < fs.size(); i++) {
            double ws = w[i] * fs.get(i).scale();
            ca[i] = Math.signum(ws) * Math.sqrt(Math.abs(ws));
            cb[i] = Math.sqrt(Math.abs(ws));
            as[i] = fs.get(i).a();
            bs[i] = fs.get(i).b();
        }
        CombinationType.Primitive p = o.type().primitive();
        float[] a = TaskPrimitives.combine(p, as, ca, o.density(), o.majoritySign(),
                new CounterRandom(o.seed(), module + ".lora_A.weight"));
        float[] b = TaskPrimitives.combine(p, bs, cb, o.density(), o.majoritySign(),
                new CounterRandom(o.seed(), module + ".lora_B.weight"));
        LoraFactors first = fs.get(0);
        return new CombinedModule(new LoraFactors(module, first.layout(), r, first.out(), first.in(), a, b, 1.0, bias),
                Double.NaN, "PEFT factor space (A and B combined separately; has cross terms)");
    }

    /** The dense combination Σ-style primitive over ΔW_i, then the best rank-r factors by truncated SVD. */
    private static CombinedModule deltaSpace(String module, List<LoraFactors> fs, double[] w, float[] bias,
                                             CombineOptions o) {
        LoraFactors first = fs.get(0);
        float[][] deltas = new float[fs.size()][];
        double[] c = new double[fs.size()];
        for (int i = 0; i < fs.size(); i++) {
            deltas[i] = fs.get(i).delta();
            // PEFT weights deltas that already include s_i by w_i·s_i again (methods.md §1.6, step 2)
            c[i] = o.peftCompatible() ? w[i] * fs.get(i).scale() : w[i];
        }
        float[] target = TaskPrimitives.combine(o.type().primitive(), deltas, c, o.density(), o.majoritySign(),
                new CounterRandom(o.seed(), module + ".delta"));
        int maxRank = fs.stream().mapToInt(LoraFactors::rank).max().orElse(1);
        int rank = Math.min(o.svdRank() != null ? o.svdRank() : maxRank, Math.min(first.out(), first.in()));
        DMatrix d = DMatrix.fromFloats(first.out(), first.in(), target);
        SvdResult svd = LowRankFit.topSingular(d, rank, o.svd().withMode(o.svd().mode()));
        LowRankFit.Result fit = LowRankFit.factor(d, svd, rank,
                o.peftCompatible() ? LowRankFit.Split.ON_B : LowRankFit.Split.SQRT);
        float[] a = fit.a();
        float[] b = fit.b();
        double err = fit.measuredErr();
        if (o.svdClamp() != null) {
            clamp(a, b, o.svdClamp());
            err = measuredError(d, a, b, fit.rank());
        }
        int r = fit.rank();
        if (r == 0) {
            // an all-zero combination: keep a rank-1 zero update so the module is still present
            r = 1;
            a = new float[first.in()];
            b = new float[first.out()];
        }
        return new CombinedModule(new LoraFactors(module, first.layout(), r, first.out(), first.in(), a, b, 1.0, bias),
                err, (o.peftCompatible() ? "PEFT delta space (weights × scale twice)" : "delta space")
                + ", rank-" + r + " SVD");
    }

    /** PEFT's {@code svd_clamp}: h = the q-quantile of the signed values of B and A together; clamp both to ±h. */
    static void clamp(float[] a, float[] b, double q) {
        double[] all = new double[a.length + b.length];
        for (int i = 0; i < b.length; i++) {
            all[i] = b[i];
        }
        for (int i = 0; i < a.length; i++) {
            all[b.length + i] = a[i];
        }
        Arrays.sort(all);
        // torch.quantile's default linear interpolation between closest ranks
        double pos = q * (all.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(all.length - 1, lo + 1);
        double h = all[lo] + (pos - lo) * (all[hi] - all[lo]);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.max(-h, Math.min(h, a[i]));
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) Math.max(-h, Math.min(h, b[i]));
        }
    }

    private static double measuredError(DMatrix d, float[] a, float[] b, int r) {
        double norm = d.frobeniusNorm();
        if (norm == 0 || r == 0) {
            return norm == 0 ? 0 : 1;
        }
        DMatrix ba = dev.amalgam.linalg.Products.mul(DMatrix.fromFloats(d.rows(), r, b),
                DMatrix.fromFloats(r, d.cols(), a));
        return d.minus(ba).frobeniusNorm() / norm;
    }
}
