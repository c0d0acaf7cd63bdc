package dev.amalgam.cli;

import dev.amalgam.io.hub.HubHttp;
import dev.amalgam.io.hub.HubModels;
import dev.amalgam.io.hub.HubSettings;
import dev.amalgam.io.hub.RetryPolicy;
import dev.amalgam.io.model.HfCache;
import dev.amalgam.io.model.ModelLocator;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

    @Option(names = "--download-threads", paramLabel = "N", defaultValue = "8",
            description = "Files downloaded from the Hub at the same time (default: 8).")
    int downloadThreads;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The environment of this run (the process's, or the one a test passed to {@link Main#commandLine(Map)}). */
    Map<String, String> env() {
        Object root = mixee == null ? null : mixee.root().userObject();
        return root instanceof Main m ? m.env : System.getenv();
    }

    /** The command's output and error streams (picocli's, so tests can capture them), honouring {@code --quiet}. */
    Console console() {
        return new Console(mixee.commandLine().getOut(), mixee.commandLine().getErr(), quiet);
    }

    HfCache cache() {
        return transformersCache != null ? new HfCache(transformersCache) : HfCache.fromEnvironment(env());
    }

    HubSettings hubSettings() {
        return HubSettings.fromEnvironment(env(), cache());
    }

    /** The Hub client: HF_ENDPOINT, HF_TOKEN or the token file, HF_HUB_OFFLINE; retries are reported as notes. */
    HubHttp hubHttp(Console console) {
        return new HubHttp(hubSettings(), RetryPolicy.fromEnvironment(env()), console::note);
    }

    HubModels hubModels(Console console, String verb) {
        return new HubModels(() -> hubHttp(console), Math.max(1, downloadThreads), HubProgress.create(console, verb),
                console::warn);
    }

    /** Model paths are tried relative to the working directory first (as mergekit), then to the recipe's folder. */
    ModelLocator locator(Path recipe) {
        return locator(recipe, null);
    }

    /** As {@link #locator(Path)}, fetching Hub models through {@code hub} when it is given. */
    ModelLocator locator(Path recipe, HubModels hub) {
        Path work = Path.of("").toAbsolutePath();
        Path recipeDir = recipe == null ? null : recipe.toAbsolutePath().normalize().getParent();
        return new ModelLocator(work, recipeDir, cache(), hub);
    }

    int verbosity() {
        return verbose.length;
    }
}
