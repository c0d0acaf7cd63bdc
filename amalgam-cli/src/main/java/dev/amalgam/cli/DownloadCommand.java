package dev.amalgam.cli;

import dev.amalgam.config.ModelReference;
import dev.amalgam.error.ConfigException;
import dev.amalgam.io.hub.HubModels;
import dev.amalgam.io.model.HfCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam download ORG/NAME[@REV]}: fetch a repository into the shared Hugging Face cache. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a model from the Hugging Face Hub into the shared cache and print its folder.")
final class DownloadCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The repository, optionally with @REVISION.")
    String repo;

    @Option(names = "--revision", paramLabel = "REV", description = "Branch, tag or commit (default: main).")
    String revision;

    @Option(names = "--include", paramLabel = "PATTERN", split = ",",
            description = "Only files matching a pattern (fnmatch: '*' also crosses '/'); repeatable.")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN", split = ",",
            description = "Skip files matching a pattern; repeatable. Without --include, pickled weights"
                    + " (*.bin, *.pt, *.pth, *.pkl, *.ckpt) are skipped too.")
    List<String> exclude = new ArrayList<>();

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        ModelReference ref;
        try {
            ref = ModelReference.parsePath(repo, repo, "repository");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (ref.revision() != null && revision != null && !ref.revision().equals(revision)) {
            throw new ConfigException("two revisions given: '@" + ref.revision() + "' and --revision " + revision);
        }
        String rev = revision != null ? revision : ref.revision();
        if (!HfCache.looksLikeRepoId(ref.path())) {
            throw new ConfigException("'" + ref.path() + "' is not a Hub repository id (ORG/NAME)");
        }
        List<String> excludes = new ArrayList<>(exclude);
        if (include.isEmpty()) {
            excludes.addAll(HubModels.PICKLE_PATTERNS);
        }
        HubModels hub = common.hubModels(console, "Downloading");
        var snap = hub.downloadMatching(ref.path(), rev, include, excludes, "repository");
        if (include.isEmpty() && snap.skipped().stream().anyMatch(f -> dev.amalgam.io.hub.Globs.matchesAny(f,
                HubModels.PICKLE_PATTERNS))) {
            console.note("note: pickled weights were skipped (Amalgam never unpickles); name them with --include to"
                    + " download them anyway");
        }
        console.out.println(snap.snapshot());
        console.out.flush();
        return 0;
    }
}
