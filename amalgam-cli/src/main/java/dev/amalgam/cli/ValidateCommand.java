package dev.amalgam.cli;

import dev.amalgam.config.ConfigParser;
import dev.amalgam.config.MergeConfiguration;
import dev.amalgam.plan.LoadedModel;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.PlanOptions;
import dev.amalgam.plan.Planner;
import dev.amalgam.plan.TensorJob;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code amalgam validate CONFIG}: everything {@code merge} checks before it starts (recipe, models, layer ranges,
 * parameters, shapes and dtypes from headers and config.json), without reading any tensor data.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a recipe against its models' headers and config.json without reading tensor data.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "The recipe (mergekit YAML).")
    Path config;

    @Option(names = "--allow-crimes", description = "Allow merging models of different architectures.")
    boolean allowCrimes;

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        MergeConfiguration cfg = ConfigParser.parse(config);
        try (MergePlan plan = Planner.plan(cfg, new PlanOptions(common.locator(config,
                common.hubModels(console, "Downloading")), allowCrimes,
                MergeCommand.DEFAULT_SEED))) {
            plan.warnings().forEach(console::warn);
            var out = console.out;
            out.println("Recipe " + config + " is valid.");
            out.println("  method:        " + plan.method().info().name());
            out.println("  models:");
            for (LoadedModel m : plan.models()) {
                String base = cfg.baseModel() != null && cfg.baseModel().equals(m.ref()) ? " (base)" : "";
                out.println("    - " + m.displayName() + base);
                out.println("        folder:       " + m.dir());
                out.println("        architecture: " + m.layout().architecture() + ", " + m.layout().numLayers()
                        + " layers" + (m.layout().layerPrefix() == null ? "" : " under " + m.layout().layerPrefix()));
                out.println("        tensors:      " + m.folder().tensors().size() + " (" + dtypes(m) + ")");
            }
            out.println("  donor:         " + plan.donor().displayName() + " (config.json and tokenizer)");
            out.println("  output:        " + plan.outputLayers() + " layers, " + plan.jobs().size() + " tensors, "
                    + Units.count(plan.parameterCount()) + " parameters");
            out.println("  output dtypes: " + outDtypes(plan));
            out.println("  to read:       " + Units.bytes(plan.bytesToRead()));
            out.println("  to write:      " + Units.bytes(plan.bytesToWrite()));
            out.flush();
        }
        return 0;
    }

    private static String dtypes(LoadedModel m) {
        Map<String, Integer> counts = new TreeMap<>();
        m.folder().tensors().values().forEach(t -> counts.merge(t.info().dtype().headerName(), 1, Integer::sum));
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static String outDtypes(MergePlan plan) {
        Map<String, Integer> counts = new TreeMap<>();
        for (TensorJob j : plan.jobs()) {
            counts.merge(j.outDtype().headerName(), 1, Integer::sum);
        }
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse("none");
    }
}
