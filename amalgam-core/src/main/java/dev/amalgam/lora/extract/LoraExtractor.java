package dev.amalgam.lora.extract;

import dev.amalgam.arch.TensorRoles;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.io.peft.AdapterWriter;
import dev.amalgam.io.peft.LoraFactors;
import dev.amalgam.io.peft.LoraLayout;
import dev.amalgam.linalg.DMatrix;
import dev.amalgam.linalg.SvdResult;
import dev.amalgam.lora.LowRankFit;
import dev.amalgam.lora.extract.ModuleReport.Kind;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code amalgam lora extract}: approximates a fine-tune as base + LoRA (mergekit-extract-lora, compat.md §3.3;
 * methods.md §1.5). For every changed 2-D weight, ΔW = W_ft − W_base is factored by its truncated SVD into the best
 * rank-r B·A (Eckart–Young); the rank is {@code max_rank}, lowered by {@code sv_epsilon} and {@code energy}.
 * Embeddings and the LM head are saved whole unless {@code embed_lora}; changed tensors that are not 2-D weights
 * (norms) are saved whole unless {@code skip_undecomposable}; bias deltas become {@code lora_B.bias}. Tied
 * embeddings are resolved in both directions: a head missing from one model stands for that model's input
 * embedding (mergekit #447, #328). Modules are processed one at a time, so memory is a few copies of the largest
 * matrix in float64.
 */
public final class LoraExtractor {
    /** What was written and how each changed module was treated. */
    public record Result(Path out, List<ModuleReport> modules) {
    }

    private record Pair(String name, TensorLocation ft, TensorLocation base) {
    }

    private LoraExtractor() {
    }

    public static Result run(Path ftDir, Path baseDir, Path out, ExtractOptions o, boolean force, String commandLine,
                             Consumer<String> warn) {
        return run(ftDir, baseDir, out, o, force, commandLine, warn, m -> { });
    }

    /** As {@link #run(Path, Path, Path, ExtractOptions, boolean, String, Consumer)}, reporting each module when done. */
    public static Result run(Path ftDir, Path baseDir, Path out, ExtractOptions o, boolean force, String commandLine,
                             Consumer<String> warn, Consumer<ModuleReport> onModule) {
        OutputFolder.checkTarget(out, force);
        check(o);
        List<Pattern> include = compile(o.includeRegex(), "--include-regex");
        List<Pattern> exclude = compile(o.excludeRegex(), "--exclude-regex");
        try (ModelFolder ft = ModelFolder.open(ftDir); ModelFolder base = ModelFolder.open(baseDir)) {
            boolean fanInFanOut = ft.config().map(c -> "gpt2".equals(c.path("model_type").asText())).orElse(false);
            Map<String, List<Pair>> modules = pairUp(ft, base);
            List<ModuleReport> reports = new ArrayList<>();
            List<LoraFactors> factors = new ArrayList<>();
            List<AdapterWriter.WholeTensor> whole = new ArrayList<>();
            List<String> modulesToSave = new ArrayList<>();
            List<String> vocabNotes = new ArrayList<>();
            DType dtype = o.outDtype();
            for (var e : modules.entrySet()) {
                String module = e.getKey();
                List<Pair> changed = new ArrayList<>();
                for (Pair p : e.getValue()) {
                    if (differs(ft, base, p)) {
                        changed.add(p);
                    }
                }
                if (changed.isEmpty()) {
                    continue;
                }
                if (dtype == null) {
                    dtype = changed.get(0).ft().info().dtype().isWritableFloat() ? changed.get(0).ft().info().dtype()
                            : DType.F32;
                }
                String shape = changed.get(0).ft().info().shapeString();
                if (!include.isEmpty() && include.stream().noneMatch(p -> p.matcher(module).find())
                        || exclude.stream().anyMatch(p -> p.matcher(module).find())) {
                    report(reports, onModule, new ModuleReport(module, Kind.SKIPPED, shape, 0, 0, 1, 1,
                            "filtered out by a regex"));
                    continue;
                }
                Pair weight = e.getValue().stream().filter(p -> p.name().equals(module + ".weight")).findFirst()
                        .orElse(null);
                String fullReason = fullReason(module, weight, o, vocabNotes);
                boolean twoD = weight != null && weight.ft().info().shape().length == 2;
                if (fullReason == null && !twoD) {
                    if (o.skipUndecomposable()) {
                        report(reports, onModule, new ModuleReport(module, Kind.SKIPPED, shape, 0, 0, 1, 1,
                                "not a 2-D weight (--skip-undecomposable)"));
                        warn.accept("module '" + module + "' changed but cannot be decomposed; skipped as asked");
                        continue;
                    }
                    fullReason = "not a 2-D weight, so it cannot be decomposed";
                }
                if (fullReason != null) {
                    for (Pair p : e.getValue()) {
                        requireFloat(p.ft());
                        whole.add(new AdapterWriter.WholeTensor(p.name(), p.ft().info().shape(),
                                p.ft().info().dtype(), ft.bytes(p.ft())));
                    }
                    modulesToSave.add(module);
                    report(reports, onModule, new ModuleReport(module, Kind.FULL, shape, 0, 1, 0, 0, fullReason));
                    continue;
                }
                boolean embedding = TensorRoles.isInputEmbedding(weight.name());
                                LoraLayout layout = embedding ? LoraLayout.EMBEDDING
                        : fanInFanOut && isConv1D(module) ? LoraLayout.FAN_IN_FAN_OUT : LoraLayout.LINEAR;
                float[] bias = null;
                List<String> ignored = new ArrayList<>();
                for (Pair p : changed) {
                    if (p == weight) {
                        continue;
                    }
                    if (p.name().equals(module + ".bias") && p.ft().info().shape().length == 1) {
                        bias = difference(floats(ft, p.ft()), floats(base, p.base()));
                    } else {
                        ignored.add(p.name());
                    }
                }
                if (!ignored.isEmpty()) {
                    warn.accept("module '" + module + "': changed tensors " + ignored + " have no LoRA form; left out");
                }
                report(reports, onModule, decompose(module, weight, layout, bias, ft, base, o, factors));
            }
            String card = Card.render(ftDir, baseDir, o, reports, vocabNotes, commandLine);
            Path written = AdapterWriter.write(out, force, new AdapterWriter.Adapter(factors, whole, modulesToSave,
                    fanInFanOut, baseDir.toString(), "CAUSAL_LM", dtype == null ? DType.F32 : dtype, card));
            return new Result(written, reports);
        }
    }

    private static void report(List<ModuleReport> reports, Consumer<ModuleReport> onModule, ModuleReport r) {
        reports.add(r);
        onModule.accept(r);
    }

    /** GPT-2's Conv1D modules, stored (in, out); PEFT treats fan_in_fan_out per layer type the same way. */
    private static boolean isConv1D(String module) {
        String leaf = module.substring(module.lastIndexOf('.') + 1);
        return leaf.equals("c_attn") || leaf.equals("c_proj") || leaf.equals("c_fc");
    }

    private static void check(ExtractOptions o) {
        if (o.maxRank() < 1) {
            throw new ConfigException("--max-rank must be at least 1, got " + o.maxRank());
        }
        if (o.energy() != null && !(o.energy() > 0 && o.energy() <= 1)) {
            throw new ConfigException("--energy must be a fraction in (0, 1], got " + o.energy());
        }
        if (!(o.svEpsilon() >= 0)) {
            throw new ConfigException("--sv-epsilon must be ≥ 0, got " + o.svEpsilon());
        }
        if (o.outDtype() != null && !o.outDtype().isWritableFloat()) {
            throw new ConfigException("the adapter dtype must be float32, float16 or bfloat16, got " + o.outDtype());
        }
    }

    private static List<Pattern> compile(List<String> regexes, String option) {
        List<Pattern> out = new ArrayList<>();
        for (String r : regexes) {
            try {
                out.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw new ConfigException(option + " '" + r + "' is not a valid regex: " + e.getDescription());
            }
        }
        return out;
    }

    /**
     * The fine-tune's tensors grouped by module, each with its base counterpart. A head that one model leaves out
     * (tie_word_embeddings) stands for that model's input embedding.
     */
    private static Map<String, List<Pair>> pairUp(ModelFolder ft, ModelFolder base) {
        Map<String, TensorLocation> ftTensors = new LinkedHashMap<>(ft.tensors());
        // a head the base has but the (tied) fine-tune leaves out is the fine-tune's embedding
        for (String name : base.tensors().keySet()) {
            if (!ftTensors.containsKey(name)) {
                String emb = tiedEmbedding(name, ft);
                if (emb != null) {
                    ftTensors.put(name, ft.tensors().get(emb));
                }
            }
        }
        Map<String, List<Pair>> modules = new LinkedHashMap<>();
        for (var e : ftTensors.entrySet()) {
            String name = e.getKey();
            TensorLocation b = base.tensor(name).orElse(null);
            if (b == null) {
                String emb = tiedEmbedding(name, base);
                if (emb == null) {
                    throw new BadInputException("the fine-tune " + ft.dir() + " has tensor '" + name + "' but the base "
                            + base.dir() + " does not; were they made from the same model?");
                }
                b = base.tensors().get(emb);
            }
            int dot = name.lastIndexOf('.');
            String module = dot < 0 ? name : name.substring(0, dot);
            modules.computeIfAbsent(module, k -> new ArrayList<>()).add(new Pair(name, e.getValue(), b));
        }
        return modules;
    }

    /** The input embedding that head {@code name} is tied to, when {@code model} has it. */
    private static String tiedEmbedding(String name, ModelFolder model) {
        for (String emb : model.tensors().keySet()) {
            if (name.equals(TensorRoles.headNameFor(emb))) {
                return emb;
            }
        }
        return null;
    }

    private static String fullReason(String module, Pair weight, ExtractOptions o, List<String> vocabNotes) {
        String leaf = module.substring(module.lastIndexOf('.') + 1);
        if (o.saveModules().contains(module) || o.saveModules().contains(leaf)) {
            return "--save-module";
        }
        if (weight == null) {
            return null;
        }
        long[] fs = weight.ft().info().shape();
        long[] bs = weight.base().info().shape();
        boolean vocab = TensorRoles.isEmbedding(weight.name());
        if (!Arrays.equals(fs, bs)) {
            if (vocab && fs.length == 2 && bs.length == 2 && fs[1] == bs[1]) {
                vocabNotes.add(module + ": " + bs[0] + " → " + fs[0] + " rows");
                return "vocabulary size differs (" + bs[0] + " in the base, " + fs[0] + " in the fine-tune)";
            }
            throw new BadInputException("tensor '" + weight.name() + "' is " + weight.ft().info().shapeString()
                    + " in the fine-tune but " + weight.base().info().shapeString() + " in the base");
        }
        if (vocab && !o.embedLora()) {
            return "embeddings and the LM head are saved whole unless --embed-lora";
        }
        return null;
    }

    private static ModuleReport decompose(String module, Pair weight, LoraLayout layout, float[] bias, ModelFolder ft,
                                          ModelFolder base, ExtractOptions o, List<LoraFactors> factors) {
        long[] shape = weight.ft().info().shape();
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] w1 = floats(ft, weight.ft());
        float[] w0 = floats(base, weight.base());
        double[] d = new double[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (double) w1[i] - w0[i];
            if (!Double.isFinite(d[i])) {
                throw new BadInputException("tensor '" + weight.name() + "' has a non-finite value at element " + i
                        + " in the fine-tune (" + w1[i] + ") or the base (" + w0[i] + ")");
            }
        }
        DMatrix delta = new DMatrix(rows, cols, d);
        if (layout != LoraLayout.LINEAR) {
            delta = delta.transpose(); // B·A is (out × in); Conv1D and embeddings store (in × out)
        }
        if (bias != null && bias.length != delta.rows()) {
            throw new BadInputException("module '" + module + "': its bias has " + bias.length + " values but its "
                    + layout + " weight " + weight.ft().info().shapeString() + " has " + delta.rows() + " outputs");
        }
        int k = Math.min(o.maxRank(), Math.min(delta.rows(), delta.cols()));
        SvdResult svd = LowRankFit.topSingular(delta, k, o.svd());
        double norm = delta.frobeniusNorm();
        int r = svd.rank();
        if (o.svEpsilon() > 0) {
            int above = 0;
            while (above < r && svd.s()[above] > o.svEpsilon()) {
                above++;
            }
            r = above;
        }
        if (o.energy() != null) {
            r = Math.min(r, Math.max(1, LowRankFit.rankForEnergy(svd.s(), norm * norm, o.energy())));
        }
        String shapeText = weight.ft().info().shapeString();
        if (r == 0) {
            return new ModuleReport(module, Kind.SKIPPED, shapeText, 0, 0, 1, 1,
                    "every singular value is ≤ --sv-epsilon " + o.svEpsilon());
        }
        LowRankFit.Result fit = LowRankFit.factor(delta, svd, r,
                o.distributeScale() ? LowRankFit.Split.SQRT : LowRankFit.Split.ON_A);
        factors.add(new LoraFactors(module, layout, fit.rank(), delta.rows(), delta.cols(), fit.a(), fit.b(), 1.0,
                bias));
        return new ModuleReport(module, layout == LoraLayout.EMBEDDING ? Kind.EMBEDDING_LORA : Kind.LORA, shapeText,
                fit.rank(), fit.energy(), fit.predictedErr(), fit.measuredErr(), "");
    }

    private static boolean differs(ModelFolder ft, ModelFolder base, Pair p) {
        var a = p.ft().info();
        var b = p.base().info();
        if (a.dtype() != b.dtype() || !Arrays.equals(a.shape(), b.shape())) {
            return true;
        }
        MemorySegment x = ft.bytes(p.ft());
        MemorySegment y = base.bytes(p.base());
        return x.mismatch(y) != -1;
    }

    private static void requireFloat(TensorLocation loc) {
        if (!loc.info().dtype().isMergeableFloat()) {
            throw new BadInputException("tensor '" + loc.info().name() + "' in " + loc.shard() + " is "
                    + loc.info().dtype() + "; only float tensors can be extracted");
        }
    }

    private static float[] floats(ModelFolder m, TensorLocation loc) {
        requireFloat(loc);
        if (loc.info().numel() > Integer.MAX_VALUE - 8) {
            throw new BadInputException("tensor '" + loc.info().name() + "' has " + loc.info().numel()
                    + " elements, more than one array holds");
        }
        float[] v = new float[(int) loc.info().numel()];
        Conversions.toFloat(loc.info().dtype(), m.bytes(loc), 0, v, 0, v.length);
        return v;
    }

    private static float[] difference(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** The README card: what was extracted from what, with the per-module table. */
    static final class Card {
        private Card() {
        }

        static String render(Path ft, Path base, ExtractOptions o, List<ModuleReport> reports, List<String> vocab,
                             String commandLine) {
            StringBuilder sb = new StringBuilder();
            sb.append("---\nbase_model: ").append(base.getFileName()).append("\nlibrary_name: peft\ntags:\n- amalgam\n"
                    + "- lora\n---\n\n# LoRA extracted from ").append(ft.getFileName()).append("\n\n");
            sb.append("A low-rank approximation of `").append(ft.getFileName()).append("` − `")
                    .append(base.getFileName()).append("`, extracted by Amalgam (`lora extract`, ")
                    .append(o.svd().mode() == dev.amalgam.linalg.TruncatedSvdOptions.Mode.EXACT ? "exact"
                            : "randomized").append(" truncated SVD, max rank ").append(o.maxRank())
                    .append(o.energy() == null ? "" : ", energy " + o.energy()).append(").\n\n");
            if (!vocab.isEmpty()) {
                sb.append("**Warning:** the vocabulary size differs between the models (").append(String.join("; ",
                        vocab)).append("); resize the base model's embeddings to the fine-tune's before loading"
                        + " this adapter.\n\n");
            }
            sb.append("| module | shape | kind | rank | energy kept | rel. error (predicted) | rel. error (measured) |"
                    + " note |\n|---|---|---|---|---|---|---|---|\n");
            for (ModuleReport r : reports) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.6f | %.3g | %.3g | %s |%n", r.module(),
                        r.shape(), r.kind().name().toLowerCase(Locale.ROOT), r.rank(), r.energy(), r.predictedErr(),
                        r.measuredErr(), r.note()));
            }
            if (commandLine != null) {
                sb.append("\n```sh\n").append(commandLine).append("\n```\n");
            }
            return sb.toString();
        }
    }
}
