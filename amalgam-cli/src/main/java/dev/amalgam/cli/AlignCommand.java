package dev.amalgam.cli;

import dev.amalgam.align.Rebasin;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam align REFERENCE MODEL OUT_PATH}: Git Re-Basin weight matching (methods.md §6). */
@Command(name = "align", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write MODEL with its hidden units permuted to match REFERENCE (Git Re-Basin weight matching),",
                "so that independently trained models can then be merged by a normal recipe. The output computes",
                "exactly the same function as MODEL. Llama-style and GPT-2 models: per layer, MLP units, whole",
                "key/value head groups and the query heads within each; --residual also permutes the residual stream."})
final class AlignCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "REFERENCE", description = "The model to match (a folder or a cached Hub repo id).")
    String reference;

    @Parameters(index = "1", paramLabel = "MODEL", description = "The model to permute.")
    String model;

    @Parameters(index = "2", paramLabel = "OUT_PATH", description = "Folder to write the permuted MODEL into.")
    Path outPath;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "100",
            description = "Most coordinate-descent passes over the permutations (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of the order in which each pass visits the permutations (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--residual", description = "Also permute the residual stream (couples all layers; Llama-style only).")
    boolean residual;

    @Option(names = "--force", description = "Replace OUT_PATH if it exists.")
    boolean force;

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        var locator = common.locator(null);
        Path ref = locator.locate(reference, null, "REFERENCE model");
        Path mod = locator.locate(model, null, "MODEL");
        var r = Rebasin.align(ref, mod, outPath, new Rebasin.Options(iterations, seed, residual, force),
                line -> {
                    if (common.verbosity() > 0) {
                        console.note(line);
                    }
                });
        var m = r.matching();
        console.out.printf("aligned %s to %s: %d of %d permutations moved units, %d iteration(s), objective %.6g -> %.6g%n",
                model, reference, r.groupsMoved(), m.permutations().size(), m.iterations(), m.objectiveBefore(),
                m.objectiveAfter());
        console.out.println("wrote " + r.output() + " (permutations in " + Rebasin.PERMUTATIONS_FILE + ")");
        console.out.flush();
        return 0;
    }
}
