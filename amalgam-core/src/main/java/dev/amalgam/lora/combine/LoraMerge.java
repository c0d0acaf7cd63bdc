package dev.amalgam.lora.combine;

import dev.amalgam.io.peft.AdapterWriter;
import dev.amalgam.io.peft.LoadedAdapter;
import dev.amalgam.io.peft.LoraFactors;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code amalgam lora merge}: reads the adapters, combines them and writes one PEFT adapter folder. */
public final class LoraMerge {
    /** What was written. */
    public record Result(Path out, List<CombinedModule> modules) {
    }

    private LoraMerge() {
    }

    /**
     * @param outDtype    dtype of the written factors, or null for the first adapter's
     * @param commandLine recorded in the README card
     */
    public static Result run(List<Path> adapterDirs, Path out, CombineOptions options, DType outDtype, boolean force,
                             String commandLine) {
        OutputFolder.checkTarget(out, force);
        List<LoadedAdapter> adapters = new ArrayList<>();
        for (Path dir : adapterDirs) {
            adapters.add(LoadedAdapter.read(dir));
        }
        List<CombinedModule> modules = AdapterCombiner.combine(adapters, options);
        LoadedAdapter first = adapters.get(0);
        List<LoraFactors> factors = modules.stream().map(CombinedModule::factors).toList();
        DType dtype = outDtype != null ? outDtype : first.dtype();
        Path written = AdapterWriter.write(out, force, new AdapterWriter.Adapter(factors, List.of(), List.of(),
                first.config().fanInFanOut(), first.config().baseModel(), first.config().taskType(), dtype,
                card(adapterDirs, options, modules, commandLine)));
        return new Result(written, modules);
    }

    static String card(List<Path> dirs, CombineOptions o, List<CombinedModule> modules, String commandLine) {
        StringBuilder sb = new StringBuilder();
        sb.append("---\nlibrary_name: peft\ntags:\n- amalgam\n- lora\n---\n\n# Combined LoRA adapter\n\n");
        sb.append("Combined by Amalgam's `lora merge` with combination type `").append(o.type().peftName())
                .append("`").append(o.peftCompatible() ? " (PEFT-compatible formulas)" : " (exact delta-space)")
                .append(".\n\n| adapter | weight |\n|---|---|\n");
        for (int i = 0; i < dirs.size(); i++) {
            sb.append("| ").append(dirs.get(i).getFileName()).append(" | ").append(o.weights()[i]).append(" |\n");
        }
        if (o.type().primitive().usesDensity()) {
            sb.append("\nDensity: ").append(o.density()).append('\n');
        }
        sb.append("\n| module | rank | relative error | how |\n|---|---|---|---|\n");
        for (CombinedModule m : modules) {
            sb.append("| ").append(m.factors().module()).append(" | ").append(m.factors().rank()).append(" | ")
                    .append(Double.isNaN(m.relativeError()) ? "n/a" : String.format(Locale.ROOT, "%.3g",
                            m.relativeError()))
                    .append(" | ").append(m.note()).append(" |\n");
        }
        if (commandLine != null) {
            sb.append("\n```sh\n").append(commandLine).append("\n```\n");
        }
        return sb.toString();
    }
}
