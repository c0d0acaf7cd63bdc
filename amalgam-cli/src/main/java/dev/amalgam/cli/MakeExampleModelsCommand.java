package dev.amalgam.cli;

import dev.amalgam.examples.ExampleModels;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Regenerates the tiny example models shipped in {@code examples/models} (deterministic: same bytes every run). */
@Command(name = "make-example-models", hidden = true,
        description = "Write the tiny example models (a base and three fine-tunes) into DIR.")
final class MakeExampleModelsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Override
    public Integer call() throws Exception {
        ExampleModels.writeAll(dir);
        System.out.println("Wrote example models into " + dir);
        return 0;
    }
}
