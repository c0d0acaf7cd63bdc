package dev.amalgam.cli;

import dev.amalgam.io.model.HfCache;
import dev.amalgam.io.model.ModelLocator;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command shares: diagnostics and where Hub models are cached. */
final class CommonOptions {
    @Option(names = "--debug", description = "Print stack traces with errors.")
    boolean debug;

    @Option(names = {"-v", "--verbose"}, description = "More detail (repeatable).")
    boolean[] verbose = new boolean[0];

    @Option(names = "--quiet", description = "No progress bar and no warnings, only errors and the result.")
    boolean quiet;

    @Option(names = "--transformers-cache", paramLabel = "PATH",
            description = "Hugging Face hub cache to look models up in (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub).")
    Path transformersCache;

    HfCache cache() {
        return transformersCache != null ? new HfCache(transformersCache) : HfCache.fromEnvironment(System.getenv());
    }

    /** Model paths are tried relative to the working directory first (as mergekit), then to the recipe's folder. */
    ModelLocator locator(Path recipe) {
        Path work = Path.of("").toAbsolutePath();
        Path recipeDir = recipe == null ? null : recipe.toAbsolutePath().normalize().getParent();
        return new ModelLocator(work, recipeDir, cache());
    }

    int verbosity() {
        return verbose.length;
    }
}
