package dev.amalgam.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.error.ConfigException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.testing.TinyLlamaForward;
import dev.amalgam.testing.TinyModel;
import dev.amalgam.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-Basin on the golden tiny Llama (4 layers, hidden 64, MLP 128, 4 query heads over 2 key/value heads of 16):
 * a model permuted at random (by code written here, independently of the aligner) is restored exactly, and the
 * aligned output of an unrelated model computes the same function as that model.
 */
class RebasinTest {
    private static final int LAYERS = 4;
    private static final int HIDDEN = 64;
    private static final int INTER = 128;
    private static final int HD = 16;
    private static final int REP = 2;

    @TempDir
    Path tmp;

    private static Path golden(String name) {
        return TestResources.golden().resolve("models").resolve(name);
    }

    private static int[] randomPermutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        CounterRandom r = new CounterRandom(seed, "planted");
        for (int i = n - 1; i > 0; i--) {
            int j = (int) (r.uniform(i) * (i + 1));
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** New unit j (of {@code unit} rows) = old unit perm[j]. */
    private static float[] rows(float[] w, int cols, int unit, int[] perm) {
        float[] out = new float[w.length];
        for (int j = 0; j < perm.length; j++) {
            System.arraycopy(w, perm[j] * unit * cols, out, j * unit * cols, unit * cols);
        }
        return out;
    }

    /** New column block j (of {@code unit} columns) = old block perm[j]. */
    private static float[] cols(float[] w, int cols, int unit, int[] perm) {
        float[] out = new float[w.length];
        int rows = w.length / cols;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < perm.length; j++) {
                for (int u = 0; u < unit; u++) {
                    out[r * cols + j * unit + u] = w[r * cols + perm[j] * unit + u];
                }
            }
        }
        return out;
    }

    /** Writes golden {@code base} with the planted permutations applied; returns them by group name. */
    private Map<String, int[]> plant(Path out, boolean residual) throws Exception {
        Map<String, int[]> planted = new LinkedHashMap<>();
        int[] res = residual ? randomPermutation(HIDDEN, 99) : null;
        if (residual) {
            planted.put("residual", res);
        }
        Map<String, SideFiles.Entry> tensors = new LinkedHashMap<>();
        try (ModelFolder m = ModelFolder.open(golden("base"))) {
            for (TensorLocation t : m.tensors().values()) {
                tensors.put(t.info().name(), SideFiles.Entry.f32(TestMerges.read(golden("base"), t.info().name()),
                        t.info().shape()));
            }
        }
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            int[] mlp = randomPermutation(INTER, l);
            int[] kv = l % 2 == 0 ? new int[]{1, 0} : new int[]{0, 1};
            // query heads move with their kv head, and in layers 1 and 2 the two of slot 0 are also swapped
            int[] qHeads = new int[4];
            for (int j = 0; j < 2; j++) {
                for (int r = 0; r < REP; r++) {
                    boolean swap = (l == 1 || l == 2) && j == 0;
                    qHeads[j * REP + r] = kv[j] * REP + (swap ? 1 - r : r);
                }
            }
            planted.put(p + "mlp", mlp);
            planted.put(p + "self_attn.kv_heads", kv);
            planted.put(p + "self_attn.q_heads", qHeads);
            update(tensors, p + "mlp.gate_proj.weight", w -> rows(w, HIDDEN, 1, mlp));
            update(tensors, p + "mlp.up_proj.weight", w -> rows(w, HIDDEN, 1, mlp));
            update(tensors, p + "mlp.down_proj.weight", w -> cols(w, INTER, 1, mlp));
            update(tensors, p + "self_attn.q_proj.weight", w -> rows(w, HIDDEN, HD, qHeads));
            update(tensors, p + "self_attn.k_proj.weight", w -> rows(w, HIDDEN, HD, kv));
            update(tensors, p + "self_attn.v_proj.weight", w -> rows(w, HIDDEN, HD, kv));
            update(tensors, p + "self_attn.o_proj.weight", w -> cols(w, 4 * HD, HD, qHeads));
        }
        if (residual) {
            for (String name : new ArrayList<>(tensors.keySet())) {
                long[] s = tensors.get(name).shape();
                if (name.endsWith("embed_tokens.weight") || name.equals("lm_head.weight")
                        || name.matches(".*(q_proj|k_proj|v_proj|gate_proj|up_proj)\\.weight")) {
                    update(tensors, name, w -> cols(w, HIDDEN, 1, res));
                } else if (name.matches(".*(o_proj|down_proj)\\.weight")) {
                    update(tensors, name, w -> rows(w, (int) s[1], 1, res));
                } else if (name.endsWith("norm.weight")) {
                    update(tensors, name, w -> rows(w, 1, 1, res));
                }
            }
        }
        SideFiles.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        Files.copy(golden("base").resolve("config.json"), out.resolve("config.json"));
        return planted;
    }

    private static void update(Map<String, SideFiles.Entry> t, String name, java.util.function.UnaryOperator<float[]> f) {
        SideFiles.Entry e = t.get(name);
        t.put(name, SideFiles.Entry.f32(f.apply(e.values()), e.shape()));
    }

    private static void assertSameTensors(Path expected, Path actual) {
        try (ModelFolder a = ModelFolder.open(expected); ModelFolder b = ModelFolder.open(actual)) {
            assertThat(b.tensors().keySet()).isEqualTo(a.tensors().keySet());
            for (String n : a.tensors().keySet()) {
                assertThat(TestMerges.read(actual, n)).as(n).isEqualTo(TestMerges.read(expected, n));
            }
        }
    }

    @Test
    void plantedMlpKvHeadAndQueryHeadPermutationsAreRestoredExactly() throws Exception {
        Path permuted = Files.createDirectories(tmp.resolve("permuted"));
        Map<String, int[]> planted = plant(permuted, false);
        var r = Rebasin.align(golden("base"), permuted, tmp.resolve("aligned"), Rebasin.Options.defaults(), s -> { });
        assertSameTensors(golden("base"), tmp.resolve("aligned"));
        // aligned unit j = permuted unit σ[j] = base unit planted[σ[j]], which must be j
        planted.forEach((group, p) -> {
            int[] sigma = r.matching().permutations().get(group);
            for (int j = 0; j < p.length; j++) {
                assertThat(p[sigma[j]]).as("%s unit %d", group, j).isEqualTo(j);
            }
        });
        assertThat(r.matching().objectiveAfter()).isGreaterThan(r.matching().objectiveBefore());
        var json = Json.MAPPER.readTree(Files.readString(tmp.resolve("aligned").resolve(Rebasin.PERMUTATIONS_FILE)));
        assertThat(json.get("permutations").get("model.layers.0.self_attn.kv_heads").toString()).isEqualTo("[1,0]");
        // layer 1: kv heads stay, the two query heads of slot 0 swap back
        assertThat(json.get("permutations").get("model.layers.1.self_attn.q_heads").toString()).isEqualTo("[1,0,2,3]");
        assertThat(tmp.resolve("aligned").resolve("config.json")).exists();
        // the permuted model computes the same function as base (this checks the planted permutation is a symmetry)
        int[] tokens = {3, 17, 250, 42, 9};
        assertSameLogits(TinyLlamaForward.logits(golden("base"), tokens), TinyLlamaForward.logits(permuted, tokens));
    }

    @Test
    void residualStreamIsRecoveredToo() throws Exception {
        Path permuted = Files.createDirectories(tmp.resolve("permuted"));
        plant(permuted, true);
        int[] tokens = {1, 2, 3, 200};
        assertSameLogits(TinyLlamaForward.logits(golden("base"), tokens), TinyLlamaForward.logits(permuted, tokens));
        var r = Rebasin.align(golden("base"), permuted, tmp.resolve("aligned"),
                new Rebasin.Options(20, 5, true, false), s -> { });
        assertSameTensors(golden("base"), tmp.resolve("aligned"));
        assertThat(r.matching().iterations()).isGreaterThan(1);
    }

    @Test
    void aligningAnUnrelatedModelKeepsItsFunction() throws Exception {
        var r = Rebasin.align(golden("base"), golden("other"), tmp.resolve("aligned"),
                new Rebasin.Options(100, 1, true, false), s -> { });
        int[] tokens = {5, 6, 7, 8, 100, 255};
        assertSameLogits(TinyLlamaForward.logits(golden("other"), tokens),
                TinyLlamaForward.logits(tmp.resolve("aligned"), tokens));
        assertThat(r.groupsMoved()).isGreaterThan(0);
        assertThat(r.matching().objectiveAfter()).isGreaterThan(r.matching().objectiveBefore());
    }

    private static void assertSameLogits(double[][] a, double[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        assertThat(max).as("max |logit difference|").isLessThan(1e-9);
    }

    @Test
    void sameSeedSameResult() throws Exception {
        var a = Rebasin.align(golden("base"), golden("other"), tmp.resolve("a"), new Rebasin.Options(5, 3, true, false), s -> { });
        var b = Rebasin.align(golden("base"), golden("other"), tmp.resolve("b"), new Rebasin.Options(5, 3, true, false), s -> { });
        a.matching().permutations().forEach((k, v) -> assertThat(b.matching().permutations().get(k)).isEqualTo(v));
    }

    @Test
    void modelsOfDifferentSizesAreRefused() throws Exception {
        TinyModel.llama(4).write(tmp.resolve("small"));
        assertThatThrownBy(() -> Rebasin.align(golden("base"), tmp.resolve("small"), tmp.resolve("out"),
                Rebasin.Options.defaults(), s -> { }))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must have the same architecture and sizes")
                .hasMessageContaining("model.embed_tokens.weight is [8, 4] in MODEL but [256, 64] in REFERENCE");
        assertThat(tmp.resolve("out")).doesNotExist();
    }
}
