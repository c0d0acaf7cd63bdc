package dev.amalgam.cli;

import dev.amalgam.io.hub.HubUploader;
import dev.amalgam.io.hub.ModelCardMetadata;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam push OUT_PATH ORG/NAME}: publish a merged model to the Hugging Face Hub. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Upload a merged model folder to a Hugging Face Hub repository (created if needed).")
final class PushCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OUT_PATH", description = "The folder to upload (a merge's output).")
    Path folder;

    @Parameters(index = "1", paramLabel = "ORG/NAME", description = "The repository to upload to.")
    String repo;

    @Option(names = "--private", description = "Create the repository as private (an existing one keeps its visibility).")
    boolean makePrivate;

    @Option(names = "--revision", paramLabel = "BRANCH", description = "Branch to commit to (default: main).")
    String revision;

    @Option(names = "--commit-message", paramLabel = "TEXT", description = "Commit summary (default: \"Upload merged model with Amalgam\").")
    String message;

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        String summary = message == null || message.isBlank() ? "Upload merged model with Amalgam" : message;
        Map<String, byte[]> overrides = new HashMap<>();
        if (java.nio.file.Files.isDirectory(folder)) {
            ModelCardMetadata.amendedCard(folder, repo).ifPresent(card -> {
                overrides.put("README.md", card);
                console.note("note: the uploaded README.md gets front matter naming the base models and the"
                        + " 'merge' and 'amalgam' tags (the local file is unchanged)");
            });
        }
        var uploader = new HubUploader(common.hubHttp(console), HubProgress.create(console, "Uploading"));
        HubUploader.Result r = uploader.push(folder, repo, makePrivate, revision, summary, overrides);
        if (r.createdRepo()) {
            console.note("Created " + (makePrivate ? "private " : "") + "repository " + repo);
        }
        if (r.uploaded().isEmpty()) {
            console.out.println("Nothing to push: the Hub already has all " + r.unchanged().size() + " file(s) of "
                    + folder + " in " + repo);
        } else {
            console.out.println("Pushed " + r.uploaded().size() + " file(s) to " + repo + (r.unchanged().isEmpty() ? ""
                    : " (" + r.unchanged().size() + " unchanged)") + (r.commitUrl() == null ? "" : ": " + r.commitUrl()));
        }
        console.out.flush();
        return 0;
    }
}
