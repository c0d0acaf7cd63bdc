package dev.amalgam.align;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.arch.ArchitectureInference;
import dev.amalgam.arch.ModelLayout;
import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.model.TensorLocation;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code amalgam align REFERENCE MODEL OUT_PATH}: writes MODEL with its hidden units permuted to match REFERENCE
 * (Git Re-Basin weight matching, methods.md §6), so that the two can then be merged by a normal recipe. The output
 * computes exactly the same function as MODEL: every tensor holds MODEL's values, moved (bytes are copied, never
 * converted), in MODEL's shard files and dtypes, with MODEL's other files copied. {@code permutations.json} records
 * each group's permutation (new unit j = MODEL's unit perm[j]).
 */
public final class Rebasin {
    /** The file naming the permutations found, beside the aligned model. */
    public static final String PERMUTATIONS_FILE = "permutations.json";

    private Rebasin() {
    }

    /**
     * @param iterations most coordinate-descent passes (the reference's max_iter is 100)
     * @param seed       seeds the order in which each pass visits the groups
     * @param residual   also permute the residual stream (couples every layer; Llama-style models only)
     * @param force      replace an existing OUT_PATH
     */
    public record Options(int iterations, long seed, boolean residual, boolean force) {
        public static Options defaults() {
            return new Options(100, 0, false, false);
        }
    }

    /** What the alignment did. */
    public record Result(Path output, List<PermutationGroup> groups, WeightMatching.Result matching, int groupsMoved) {
    }

    public static Result align(Path referenceDir, Path modelDir, Path out, Options opts, Consumer<String> log) {
        if (opts.iterations() < 1) {
            throw new ConfigException("align: --iterations must be at least 1, got " + opts.iterations());
        }
        OutputFolder.checkTarget(out, opts.force());
        try (ModelFolder reference = ModelFolder.open(referenceDir); ModelFolder model = ModelFolder.open(modelDir)) {
            checkSameTensors(reference, model);
            ModelLayout layout = ArchitectureInference.infer(model);
            List<PermutationGroup> groups = PermutationSpecs.of(model, layout, opts.residual());
            WeightMatching wm = new WeightMatching(reference, model, groups);
            WeightMatching.Result r = wm.run(opts.iterations(), opts.seed(), log);
            int moved = (int) r.permutations().values().stream().filter(p -> !TensorPermuter.isIdentity(p)).count();
            Path written = write(model, wm, r.permutations(), out, opts.force(), r);
            return new Result(written, groups, r, moved);
        }
    }

    private static void checkSameTensors(ModelFolder a, ModelFolder b) {
        List<String> problems = new ArrayList<>();
        for (TensorLocation t : b.tensors().values()) {
            var other = a.tensor(t.info().name());
            if (other.isEmpty()) {
                problems.add("tensor " + t.info().name() + " is in MODEL but not in REFERENCE");
            } else if (!Arrays.equals(other.get().info().shape(), t.info().shape())) {
                problems.add("tensor " + t.info().name() + " is " + Arrays.toString(t.info().shape()) + " in MODEL but "
                        + Arrays.toString(other.get().info().shape()) + " in REFERENCE");
            }
        }
        for (String n : a.tensors().keySet()) {
            if (b.tensor(n).isEmpty()) {
                problems.add("tensor " + n + " is in REFERENCE but not in MODEL");
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 5);
            throw new ConfigException("align: REFERENCE (" + a.dir() + ") and MODEL (" + b.dir() + ") must have the same"
                    + " architecture and sizes, but " + String.join("; ", problems.subList(0, shown))
                    + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : ""));
        }
    }

    private static Path write(ModelFolder model, WeightMatching wm, Map<String, int[]> perms, Path out, boolean force,
                              WeightMatching.Result r) {
        Map<Path, List<TensorLocation>> byShard = new LinkedHashMap<>();
        for (TensorLocation t : model.tensors().values()) {
            byShard.computeIfAbsent(t.shard(), k -> new ArrayList<>()).add(t);
        }
        try (OutputFolder folder = OutputFolder.create(out, force)) {
            for (Map.Entry<Path, List<TensorLocation>> shard : byShard.entrySet()) {
                List<TensorSpec> specs = shard.getValue().stream()
                        .map(t -> new TensorSpec(t.info().name(), t.info().dtype(), t.info().shape())).toList();
                Map<String, String> meta = SafetensorsFile.readHeader(shard.getKey()).metadata();
                Path file = folder.temp().resolve(shard.getKey().getFileName().toString());
                try (SafetensorsWriter w = SafetensorsWriter.create(file, specs, meta.isEmpty() ? Map.of("format", "pt") : meta)) {
                    for (TensorLocation t : shard.getValue()) {
                        MemorySegment src = model.bytes(t);
                        var axes = wm.axesOf().get(t.info().name());
                        TensorPermuter p = axes == null ? null : TensorPermuter.of(t.info().shape(), axes, perms, java.util.Set.of());
                        if (p == null) {
                            w.write(t.info().name(), 0, src);
                        } else {
                            byte[] moved = p.apply(src.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                                    t.info().dtype().byteSize());
                            w.write(t.info().name(), 0, MemorySegment.ofArray(moved));
                        }
                    }
                    w.finish();
                }
            }
            copySideFiles(model.dir(), folder.temp(), byShard.keySet());
            writePermutations(folder.temp().resolve(PERMUTATIONS_FILE), perms, r);
            folder.commit();
            return folder.target();
        }
    }

    /** config.json, tokenizer files, the shard index (still right: same names, same shards) and the like. */
    private static void copySideFiles(Path from, Path to, java.util.Set<Path> shards) {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean weights = name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".pt");
                if (!Files.isRegularFile(f) || weights || name.equals(PERMUTATIONS_FILE)
                        || name.equals(ModelFolder.INDEX_FILE) && shards.contains(from.resolve(ModelFolder.SINGLE_FILE))) {
                    continue;
                }
                Files.copy(f, to.resolve(name));
            }
        } catch (IOException e) {
            throw new IoFailureException("cannot copy the files of " + from + ": " + e.getMessage(), e);
        }
    }

    private static void writePermutations(Path file, Map<String, int[]> perms, WeightMatching.Result r) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("method", "git-rebasin weight matching");
        root.put("iterations", r.iterations());
        root.put("objective_before", r.objectiveBefore());
        root.put("objective_after", r.objectiveAfter());
        ObjectNode p = root.putObject("permutations");
        perms.forEach((k, v) -> {
            ArrayNode a = p.putArray(k);
            for (int x : v) {
                a.add(x);
            }
        });
        try {
            Files.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new IoFailureException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
