package dev.amalgam.cli;

import dev.amalgam.error.ConfigException;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.lora.extract.ExtractOptions;
import dev.amalgam.lora.extract.LoraExtractor;
import dev.amalgam.lora.extract.ModuleReport;
import dev.amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam lora extract --model FT --base BASE OUT}: mergekit-extract-lora's command (compat.md §3.3). */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Extract a PEFT LoRA adapter approximating FT - BASE by truncated SVD, and report each"
                + " module's relative reconstruction error."})
final class LoraExtractCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FT", description = "The fine-tuned model folder.")
    Path model;

    @Option(names = {"--base", "--base-model"}, required = true, paramLabel = "BASE", description = "The base model folder.")
    Path base;

    @Parameters(index = "0", arity = "0..1", paramLabel = "OUT", description = "Folder to write the adapter into.")
    Path outPositional;

    @Option(names = "--out-path", paramLabel = "OUT", description = "Same as the OUT argument (mergekit's spelling).")
    Path outOption;

    @Option(names = "--max-rank", paramLabel = "R", defaultValue = "128", description = "Largest rank per module (default: ${DEFAULT-VALUE}).")
    int maxRank;

    @Option(names = "--energy", paramLabel = "F", description = "Choose each module's rank to keep this fraction of Σσ² (e.g. 0.99), up to --max-rank.")
    Double energy;

    @Option(names = "--distribute-scale", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Split singular values as √σ on A and B (default: on); off puts σ on A.")
    boolean distributeScale;

    @Option(names = "--embed-lora", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Decompose embeddings (lora_embedding_A/B) and the LM head instead of saving them whole.")
    boolean embedLora;

    @Option(names = "--save-module", paramLabel = "NAME", description = "Save this module whole (repeatable).")
    List<String> saveModules = new ArrayList<>();

    @Option(names = {"-i", "--include-regex"}, paramLabel = "RE", description = "Only modules matching a regex (repeatable).")
    List<String> include = new ArrayList<>();

    @Option(names = {"-e", "--exclude-regex"}, paramLabel = "RE", description = "Leave out modules matching a regex (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--sv-epsilon", paramLabel = "EPS", defaultValue = "0", description = "Drop singular values ≤ EPS (default: ${DEFAULT-VALUE}).")
    double svEpsilon;

    @Option(names = "--skip-undecomposable", description = "Skip changed tensors that are not 2-D weights instead of saving them whole.")
    boolean skipUndecomposable;

    @Option(names = "--exact-svd", description = "Exact SVD instead of the randomized truncated one (slower on large matrices).")
    boolean exactSvd;

    @Option(names = "--random-seed", paramLabel = "N", defaultValue = "42", description = "Seed of the randomized SVD (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out-dtype", paramLabel = "DTYPE", description = "float32, float16 or bfloat16 (default: the fine-tune's).")
    String outDtype;

    @Option(names = "--force", description = "Replace OUT if it exists.")
    boolean force;

    @Option(names = {"--cuda", "--multi-gpu", "--lazy-unpickle", "--low-cpu-memory"}, hidden = true)
    boolean gpu;

    @Option(names = "--device", hidden = true, paramLabel = "DEV")
    String device;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    static DType adapterDtype(String name) {
        DType d = DType.fromTorchName(name).orElse(null);
        if (d == null || !(d == DType.F32 || d == DType.F16 || d == DType.BF16)) {
            throw new ConfigException("--out-dtype must be float32, float16 or bfloat16, got '" + name + "'");
        }
        return d;
    }

    @Override
    public Integer call() {
        Console console = common.console();
        if (gpu || device != null && !device.equals("cpu")) {
            console.note("note: GPU and loading options of mergekit-extract-lora do not apply to Amalgam (it runs on"
                    + " the CPU over memory-mapped safetensors); ignored");
        }
        if (outPositional != null && outOption != null && !outPositional.equals(outOption)) {
            throw new ConfigException("give the output folder once: OUT " + outPositional + " and --out-path "
                    + outOption + " differ");
        }
        Path out = outPositional != null ? outPositional : outOption;
        if (out == null) {
            throw new ConfigException("missing the output folder: amalgam lora extract --model FT --base BASE OUT");
        }
        TruncatedSvdOptions svd = exactSvd ? TruncatedSvdOptions.exact()
                : TruncatedSvdOptions.defaults(seed).withMode(TruncatedSvdOptions.Mode.RANDOMIZED);
        ExtractOptions o = new ExtractOptions(maxRank, distributeScale, embedLora, saveModules, include, exclude,
                svEpsilon, skipUndecomposable, energy, svd, outDtype == null ? null : adapterDtype(outDtype));
        long start = System.nanoTime();
        console.out.println(String.format(Locale.ROOT, "%-50s %-14s %-6s %5s %10s %10s %10s %8s", "module", "shape",
                "kind", "rank", "energy", "err(pred)", "err(meas)", "time"));
        console.out.flush();
        long[] last = {start};
        LoraExtractor.Result r = LoraExtractor.run(model, base, out, o, force,
                "amalgam lora " + String.join(" ", spec.commandLine().getParseResult().originalArgs()), console::warn,
                m -> {
                    long now = System.nanoTime();
                    console.out.println(String.format(Locale.ROOT, "%-50s %-14s %-6s %5d %10.6f %10.3g %10.3g %7.1fs%s",
                            m.module(), m.shape(), m.kind().name().toLowerCase(Locale.ROOT)
                                    .replace("embedding_lora", "emb"), m.rank(), m.energy(), m.predictedErr(),
                            m.measuredErr(), (now - last[0]) / 1e9, m.note().isEmpty() ? "" : "  " + m.note()));
                    console.out.flush();
                    last[0] = now;
                });
        double worst = 0;
        for (ModuleReport m : r.modules()) {
            if (m.kind() == ModuleReport.Kind.LORA || m.kind() == ModuleReport.Kind.EMBEDDING_LORA) {
                worst = Math.max(worst, m.measuredErr());
            }
        }
        console.out.printf(Locale.ROOT, "Wrote %s (%d changed module(s), largest relative error %.3g) in %.1f s%n",
                r.out(), r.modules().size(), worst, (System.nanoTime() - start) / 1e9);
        console.out.flush();
        return 0;
    }
}
