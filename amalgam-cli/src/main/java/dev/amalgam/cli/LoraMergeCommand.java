package dev.amalgam.cli;

import dev.amalgam.error.ConfigException;
import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.lora.combine.CombinationType;
import dev.amalgam.lora.combine.CombineOptions;
import dev.amalgam.lora.combine.CombinedModule;
import dev.amalgam.lora.combine.LoraMerge;
import dev.amalgam.lora.combine.TaskPrimitives;
import dev.amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amalgam lora merge ADAPTER... --out-path OUT}: PEFT's add_weighted_adapter, done right by default. */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Combine PEFT LoRA adapters into one adapter with PEFT's combination types.",
                "By default the result is the exact weighted combination of the adapters' updates (delta space);"
                        + " --peft-compatible reproduces PEFT's add_weighted_adapter formulas instead."})
final class LoraMergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ADAPTER", description = "PEFT adapter folders, in order.")
    List<Path> adapters;

    @Option(names = {"-o", "--out-path"}, required = true, paramLabel = "OUT", description = "Folder to write.")
    Path out;

    @Option(names = {"-t", "--combination-type"}, paramLabel = "TYPE", defaultValue = "linear",
            description = "linear, cat, svd, ties, ties_svd, dare_linear, dare_ties, dare_linear_svd, dare_ties_svd,"
                    + " magnitude_prune, magnitude_prune_svd (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-w", "--weights"}, split = ",", paramLabel = "W", description = "One weight per adapter (default 1 each).")
    List<Double> weights;

    @Option(names = "--density", paramLabel = "D", description = "Fraction kept by ties, dare_* and magnitude_prune types.")
    Double density;

    @Option(names = "--majority-sign-method", paramLabel = "M", defaultValue = "total",
            description = "total or frequency (default: ${DEFAULT-VALUE}).")
    String majoritySign;

    @Option(names = "--svd-rank", paramLabel = "R", description = "Rank of the SVD types' result (default: the largest input rank).")
    Integer svdRank;

    @Option(names = "--svd-clamp", paramLabel = "Q", description = "PEFT's svd_clamp quantile.")
    Double svdClamp;

    @Option(names = "--exact-svd", description = "Exact SVD instead of the randomized truncated one.")
    boolean exactSvd;

    @Option(names = "--peft-compatible", description = "Reproduce PEFT's formulas (cross terms in the factor-space"
            + " types, scale applied twice in the SVD types).")
    boolean peftCompatible;

    @Option(names = "--random-seed", paramLabel = "N", defaultValue = "42", description = "Seed for dare_* (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out-dtype", paramLabel = "DTYPE", description = "float32, float16 or bfloat16 (default: the first adapter's).")
    String outDtype;

    @Option(names = "--force", description = "Replace OUT if it exists.")
    boolean force;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Console console = common.console();
        CombinationType t = CombinationType.byName(type);
        double[] w = new double[adapters.size()];
        if (weights == null) {
            java.util.Arrays.fill(w, 1.0);
        } else if (weights.size() != adapters.size()) {
            throw new ConfigException("--weights has " + weights.size() + " value(s) for " + adapters.size()
                    + " adapter(s); give one weight per adapter");
        } else {
            for (int i = 0; i < w.length; i++) {
                w[i] = weights.get(i);
            }
        }
        if (t.primitive().usesDensity() && density == null) {
            throw new ConfigException(t.peftName() + " needs --density (the fraction of entries kept, in (0, 1])");
        }
        TaskPrimitives.MajoritySign sign = switch (majoritySign) {
            case "total" -> TaskPrimitives.MajoritySign.TOTAL;
            case "frequency" -> TaskPrimitives.MajoritySign.FREQUENCY;
            default -> throw new ConfigException("--majority-sign-method must be total or frequency, got '"
                    + majoritySign + "'");
        };
        TruncatedSvdOptions svd = exactSvd ? TruncatedSvdOptions.exact()
                : TruncatedSvdOptions.defaults(seed).withMode(TruncatedSvdOptions.Mode.AUTO);
        CombineOptions o = new CombineOptions(t, w, density == null ? 1 : density, sign, peftCompatible, svdRank,
                svdClamp, svd, seed);
        DType dtype = outDtype == null ? null : LoraExtractCommand.adapterDtype(outDtype);
        LoraMerge.Result r = LoraMerge.run(adapters, out, o, dtype, force,
                "amalgam lora " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        for (CombinedModule m : r.modules()) {
            if (common.verbosity() > 0 || m.relativeError() > 1e-6 && !Double.isNaN(m.relativeError())) {
                console.note(String.format(Locale.ROOT, "%s: rank %d, relative error %.3g (%s)", m.factors().module(),
                        m.factors().rank(), m.relativeError(), m.note()));
            }
        }
        double worst = r.modules().stream().mapToDouble(CombinedModule::relativeError).filter(e -> !Double.isNaN(e))
                .max().orElse(0);
        console.out.printf(Locale.ROOT, "Wrote %s (%d module(s), %s%s)%n", r.out(), r.modules().size(),
                t.peftName(), peftCompatible ? ", PEFT-compatible" : String.format(Locale.ROOT,
                        ", largest relative error %.3g", worst));
        console.out.flush();
        return 0;
    }
}
