package dev.amalgam.align;

import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.Products;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.tensor.Conversions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Git Re-Basin weight matching (Ainsworth, Hayase &amp; Srinivasa, "Git Re-Basin: Merging Models modulo Permutation
 * Symmetries", ICLR 2023, arXiv:2209.04836, Algorithm 1; methods.md §6): coordinate descent over the permutation
 * groups maximizing Σ_w ⟨W_A, π(W_B)⟩_F. Every permutation starts at the identity; each iteration visits the
 * groups in a seeded random order and, for group p, builds
 * {@code A_p = Σ_(w, axis) W_A[axis→0]·(W_B with the other groups applied)[axis→0]ᵀ} (float64) over the units of
 * every tensor that shares p, solves the linear assignment problem on it and keeps the new permutation when it
 * raises the objective by more than 1e-12. It stops when an iteration changes nothing, or after
 * {@code maxIterations}. Tensors are read from the memory-mapped files when needed, so memory holds a few tensors,
 * not the models.
 */
public final class WeightMatching {
    private final ModelFolder reference;
    private final ModelFolder model;
    private final List<PermutationGroup> groups;
    private final Map<String, List<TensorPermuter.GroupAxis>> axesOf = new LinkedHashMap<>();

    /** The permutations found and how the matching went. */
    public record Result(Map<String, int[]> permutations, int iterations, double objectiveBefore,
                         double objectiveAfter) {
    }

    public WeightMatching(ModelFolder reference, ModelFolder model, List<PermutationGroup> groups) {
        this.reference = reference;
        this.model = model;
        this.groups = groups;
        for (PermutationGroup g : groups) {
            for (PermutationGroup.Axis a : g.axes()) {
                axesOf.computeIfAbsent(a.tensor(), k -> new ArrayList<>()).add(new TensorPermuter.GroupAxis(g.name(), a));
            }
            if (g.inner() != null) {
                for (PermutationGroup.Axis a : g.inner().axes()) {
                    axesOf.computeIfAbsent(a.tensor(), k -> new ArrayList<>())
                            .add(new TensorPermuter.GroupAxis(g.inner().name(), a));
                }
            }
        }
    }

    /** For each tensor a permutation touches, the axes and the groups acting on them. */
    Map<String, List<TensorPermuter.GroupAxis>> axesOf() {
        return axesOf;
    }

    public Result run(int maxIterations, long seed, Consumer<String> log) {
        Map<String, int[]> perms = new LinkedHashMap<>();
        for (PermutationGroup g : groups) {
            perms.put(g.name(), identity(g.size()));
            if (g.inner() != null) {
                perms.put(g.inner().name(), identity(g.size() * g.inner().perOuter()));
            }
        }
        double before = objective(perms);
        int it = 0;
        CounterRandom order = new CounterRandom(seed, "rebasin-order");
        while (it < maxIterations) {
            it++;
            boolean progress = false;
            for (int gi : shuffled(groups.size(), order.substream(it))) {
                PermutationGroup g = groups.get(gi);
                if (g.inner() != null) {
                    progress |= solveNested(g, perms);
                    continue;
                }
                double[] a = similarity(g, perms);
                int[] current = perms.get(g.name());
                int[] best = LinearAssignment.maximize(a, g.size());
                double oldScore = LinearAssignment.score(a, g.size(), current);
                double newScore = LinearAssignment.score(a, g.size(), best);
                if (newScore > oldScore + 1e-12) {
                    perms.put(g.name(), best);
                    progress = true;
                }
            }
            log.accept("iteration " + it + ": " + (progress ? "improved" : "no permutation improved"));
            if (!progress) {
                break;
            }
        }
        return new Result(perms, it, before, objective(perms));
    }

    /**
     * Solves a group with nested units exactly (given the other groups): for every pair of outer units (i, j) the best
     * matching of i's inner units to j's is a small assignment problem; its score plus the outer similarity is the
     * score of pairing i with j in the outer assignment. Returns whether the objective rose.
     */
    private boolean solveNested(PermutationGroup g, Map<String, int[]> perms) {
        PermutationGroup.Inner in = g.inner();
        int n = g.size();
        int k = in.perOuter();
        java.util.Set<String> solving = java.util.Set.of(g.name(), in.name());
        double[] outer = similarity(g.axes(), n, perms, solving);
        double[] heads = similarity(in.axes(), n * k, perms, solving);
        double[] pair = new double[n * n];
        int[][] innerBest = new int[n * n][];
        double[] block = new double[k * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int r = 0; r < k; r++) {
                    for (int c = 0; c < k; c++) {
                        block[r * k + c] = heads[(i * k + r) * (n * k) + j * k + c];
                    }
                }
                int[] sigma = LinearAssignment.maximize(block, k);
                innerBest[i * n + j] = sigma;
                pair[i * n + j] = outer[i * n + j] + LinearAssignment.score(block, k, sigma);
            }
        }
        int[] pi = LinearAssignment.maximize(pair, n);
        int[] composite = new int[n * k];
        for (int i = 0; i < n; i++) {
            int[] sigma = innerBest[i * n + pi[i]];
            for (int r = 0; r < k; r++) {
                composite[i * k + r] = pi[i] * k + sigma[r];
            }
        }
        double oldScore = LinearAssignment.score(outer, n, perms.get(g.name()))
                + LinearAssignment.score(heads, n * k, perms.get(in.name()));
        double newScore = LinearAssignment.score(outer, n, pi) + LinearAssignment.score(heads, n * k, composite);
        if (newScore > oldScore + 1e-12) {
            perms.put(g.name(), pi);
            perms.put(in.name(), composite);
            return true;
        }
        return false;
    }

    /** A_p[i][j] = Σ over p's tensors of ⟨unit i of W_A, unit j of W_B with the other groups applied⟩. */
    double[] similarity(PermutationGroup g, Map<String, int[]> perms) {
        return similarity(g.axes(), g.size(), perms, java.util.Set.of(g.name()));
    }

    private double[] similarity(List<PermutationGroup.Axis> axes, int n, Map<String, int[]> perms,
                                java.util.Set<String> solving) {
        DMatrix sum = DMatrix.zeros(n, n);
        for (PermutationGroup.Axis ax : axes) {
            TensorLocation la = reference.tensor(ax.tensor()).orElseThrow();
            TensorLocation lb = model.tensor(ax.tensor()).orElseThrow();
            long[] shape = la.info().shape();
            float[] wa = read(reference, la);
            float[] wb = read(model, lb);
            TensorPermuter others = TensorPermuter.of(shape, axesOf.get(ax.tensor()), perms, solving);
            if (others != null) {
                wb = others.apply(wb);
            }
            DMatrix ua = units(wa, shape, ax, n);
            DMatrix ub = units(wb, shape, ax, n);
            sum.addScaled(1.0, Products.mulTransB(ua, ub));
        }
        return sum.data();
    }

    /** Row j holds every element of unit j (all its segments, across the other axis), in float64. */
    static DMatrix units(float[] w, long[] shape, PermutationGroup.Axis ax, int n) {
        int rows = (int) shape[0];
        int cols = shape.length == 2 ? (int) shape[1] : 1;
        int along = ax.axis() == 0 ? rows : cols;
        int across = ax.axis() == 0 ? cols : rows;
        int width = ax.segments() * ax.unit() * across;
        double[] out = new double[n * width];
        for (int j = 0; j < n; j++) {
            int k = 0;
            for (int s = 0; s < ax.segments(); s++) {
                for (int u = 0; u < ax.unit(); u++) {
                    int pos = (int) (s * ax.segmentStride() + (long) j * ax.unit() + u);
                    if (pos >= along) {
                        throw new IllegalStateException("unit " + j + " of " + ax + " is outside the tensor");
                    }
                    for (int x = 0; x < across; x++) {
                        out[j * width + k++] = ax.axis() == 0 ? w[pos * cols + x] : w[x * cols + pos];
                    }
                }
            }
        }
        return new DMatrix(n, width, out);
    }

    /** Σ over the permuted tensors of ⟨W_A, π(W_B)⟩, in float64. */
    double objective(Map<String, int[]> perms) {
        double s = 0;
        for (Map.Entry<String, List<TensorPermuter.GroupAxis>> e : axesOf.entrySet()) {
            TensorLocation la = reference.tensor(e.getKey()).orElseThrow();
            TensorLocation lb = model.tensor(e.getKey()).orElseThrow();
            float[] wa = read(reference, la);
            float[] wb = read(model, lb);
            TensorPermuter p = TensorPermuter.of(la.info().shape(), e.getValue(), perms, java.util.Set.of());
            if (p != null) {
                wb = p.apply(wb);
            }
            for (int i = 0; i < wa.length; i++) {
                s += (double) wa[i] * wb[i];
            }
        }
        return s;
    }

    static float[] read(ModelFolder m, TensorLocation loc) {
        float[] v = new float[Math.toIntExact(loc.info().numel())];
        Conversions.toFloat(loc.info().dtype(), m.bytes(loc), 0, v, 0, v.length);
        return v;
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    private static int[] shuffled(int n, CounterRandom r) {
        int[] order = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Math.floor(r.uniform(i) * (i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
