package dev.amalgam.align;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.merge.random.CounterRandom;
import dev.amalgam.testing.SideFiles;
import dev.amalgam.testing.TestMerges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-Basin on a tiny GPT-2 (Conv1D weights stored in × out, fused q/k/v in c_attn): a planted permutation is undone. */
class RebasinGpt2Test {
    private static final int H = 8;
    private static final int HEADS = 2;
    private static final int HD = H / HEADS;
    private static final int INTER = 32;
    private static final int LAYERS = 2;

    @TempDir
    Path tmp;

    private static float[] random(String name, int n) {
        CounterRandom r = new CounterRandom(3, name);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.uniform(i) - 0.5);
        }
        return v;
    }

    private Map<String, SideFiles.Entry> model() {
        Map<String, SideFiles.Entry> t = new LinkedHashMap<>();
        put(t, "transformer.wte.weight", 16, H);
        put(t, "transformer.wpe.weight", 10, H);
        for (int l = 0; l < LAYERS; l++) {
            String p = "transformer.h." + l + ".";
            put(t, p + "ln_1.weight", H);
            put(t, p + "ln_1.bias", H);
            put(t, p + "attn.c_attn.weight", H, 3 * H);
            put(t, p + "attn.c_attn.bias", 3 * H);
            put(t, p + "attn.c_proj.weight", H, H);
            put(t, p + "attn.c_proj.bias", H);
            put(t, p + "ln_2.weight", H);
            put(t, p + "ln_2.bias", H);
            put(t, p + "mlp.c_fc.weight", H, INTER);
            put(t, p + "mlp.c_fc.bias", INTER);
            put(t, p + "mlp.c_proj.weight", INTER, H);
            put(t, p + "mlp.c_proj.bias", H);
        }
        put(t, "transformer.ln_f.weight", H);
        put(t, "transformer.ln_f.bias", H);
        return t;
    }

    private static void put(Map<String, SideFiles.Entry> t, String name, long... shape) {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        t.put(name, SideFiles.Entry.f32(random(name, n), shape));
    }

    private Path write(String dir, Map<String, SideFiles.Entry> t) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(dir));
        SideFiles.write(d.resolve("model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(d.resolve("config.json"), """
                {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": %d, "n_head": %d,
                 "n_layer": %d, "n_positions": 10, "vocab_size": 16}
                """.formatted(H, HEADS, LAYERS));
        return d;
    }

    /** Column c of a [rows, cols] matrix: new column = old column idx[c]. */
    private static float[] gatherCols(float[] w, int cols, int[] idx) {
        float[] out = new float[w.length];
        for (int r = 0; r < w.length / cols; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = w[r * cols + idx[c]];
            }
        }
        return out;
    }

    private static float[] gatherRows(float[] w, int cols, int[] idx) {
        float[] out = new float[w.length];
        for (int r = 0; r < idx.length; r++) {
            System.arraycopy(w, idx[r] * cols, out, r * cols, cols);
        }
        return out;
    }

    @Test
    void plantedMlpAndHeadPermutationsOfGpt2AreUndone() throws Exception {
        Map<String, SideFiles.Entry> base = model();
        Map<String, SideFiles.Entry> perm = new LinkedHashMap<>(base);
        for (int l = 0; l < LAYERS; l++) {
            String p = "transformer.h." + l + ".";
            int[] mlp = new int[INTER];
            for (int i = 0; i < INTER; i++) {
                mlp[i] = (i * 7 + 3 + l) % INTER;
            }
            // heads swapped: position index over the fused q|k|v columns and the c_proj rows
            int[] qkv = new int[3 * H];
            for (int c = 0; c < 3 * H; c++) {
                int seg = c / H;
                int head = (c % H) / HD;
                qkv[c] = seg * H + (1 - head) * HD + c % HD;
            }
            int[] proj = new int[H];
            for (int r = 0; r < H; r++) {
                proj[r] = (1 - r / HD) * HD + r % HD;
            }
            perm.put(p + "mlp.c_fc.weight", SideFiles.Entry.f32(gatherCols(base.get(p + "mlp.c_fc.weight").values(), INTER, mlp), H, INTER));
            perm.put(p + "mlp.c_fc.bias", SideFiles.Entry.f32(gatherCols(base.get(p + "mlp.c_fc.bias").values(), INTER, mlp), INTER));
            perm.put(p + "mlp.c_proj.weight", SideFiles.Entry.f32(gatherRows(base.get(p + "mlp.c_proj.weight").values(), H, mlp), INTER, H));
            perm.put(p + "attn.c_attn.weight", SideFiles.Entry.f32(gatherCols(base.get(p + "attn.c_attn.weight").values(), 3 * H, qkv), H, 3 * H));
            perm.put(p + "attn.c_attn.bias", SideFiles.Entry.f32(gatherCols(base.get(p + "attn.c_attn.bias").values(), 3 * H, qkv), 3 * H));
            perm.put(p + "attn.c_proj.weight", SideFiles.Entry.f32(gatherRows(base.get(p + "attn.c_proj.weight").values(), H, proj), H, H));
        }
        Path a = write("base", base);
        Path b = write("perm", perm);
        var r = Rebasin.align(a, b, tmp.resolve("out"), Rebasin.Options.defaults(), s -> { });
        assertThat(r.groups()).extracting(PermutationGroup::name).contains("transformer.h.0.mlp", "transformer.h.1.attn.heads");
        assertThat(r.matching().permutations().get("transformer.h.0.attn.heads")).containsExactly(1, 0);
        try (ModelFolder m = ModelFolder.open(a)) {
            for (String n : m.tensors().keySet()) {
                assertThat(TestMerges.read(tmp.resolve("out"), n)).as(n).isEqualTo(TestMerges.read(a, n));
            }
        }
    }
}
