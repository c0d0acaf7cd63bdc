package dev.amalgam.cli;

import dev.amalgam.arch.ArchitectureInference;
import dev.amalgam.arch.ModelLayout;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam inspect MODEL}: a model's tensors, size and inferred architecture, from headers only. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's tensors (name, dtype, shape, shard), size and inferred architecture.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model folder or a Hub repo id in the local cache.")
    String model;

    @Option(names = "--summary", description = "Only the summary, not every tensor.")
    boolean summary;

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        String path = model;
        String revision = null;
        int at = model.lastIndexOf('@');
        if (at > 0 && !java.nio.file.Files.isDirectory(Path.of(model))) {
            path = model.substring(0, at);
            revision = model.substring(at + 1);
        }
        // A Hub id is inspected from its headers (range requests); no weights are downloaded.
        ModelFolder opened = common.locator(null, common.hubModels(console, "Downloading"))
                .open(new dev.amalgam.config.ModelReference(path, revision, null, null));
        Path dir = opened.dir();
        try (ModelFolder folder = opened) {
            folder.warnings().forEach(console::warn);
            ModelLayout layout = ArchitectureInference.infer(folder);
            var out = console.out;
            long params = 0;
            long bytes = 0;
            int nameWidth = folder.tensors().keySet().stream().mapToInt(String::length).max().orElse(10);
            if (!summary) {
                out.printf("%-" + nameWidth + "s  %-7s  %-16s  %s%n", "tensor", "dtype", "shape", "shard");
            }
            for (TensorLocation t : folder.tensors().values()) {
                params += t.info().numel();
                bytes += t.info().byteSize();
                if (!summary) {
                    out.printf("%-" + nameWidth + "s  %-7s  %-16s  %s%n", t.info().name(), t.info().dtype().headerName(),
                            t.info().shapeString(), t.shard().getFileName());
                }
            }
            if (!summary) {
                out.println();
            }
            out.println("model:        " + dir);
            out.println("architecture: " + layout.architecture() + (layout.modelType() == null ? "" : " (model_type "
                    + layout.modelType() + ")"));
            out.println("layers:       " + layout.numLayers() + (layout.layerPrefix() == null ? ""
                    : " under " + layout.layerPrefix()) + (layout.numLayersKey() == null ? " (inferred from tensor names)"
                    : " (config.json " + layout.numLayersKey() + ")"));
            out.println("pre-layer:    " + String.join(", ", layout.preWeights()));
            out.println("post-layer:   " + String.join(", ", layout.postWeights()));
            if (!layout.tiedTo().isEmpty()) {
                layout.tiedTo().forEach((k, v) -> out.println("tied:         " + k + " -> " + v));
            }
            out.println("tensors:      " + folder.tensors().size());
            out.println("parameters:   " + Units.count(params) + " (" + params + ")");
            out.println("bytes:        " + Units.bytes(bytes) + " (" + bytes + ")");
            out.println("kernels:      " + dev.amalgam.kernel.Kernels.active().description());
            out.flush();
        }
        return 0;
    }
}
