package dev.amalgam.cli;

import dev.amalgam.config.ConfigParser;
import dev.amalgam.config.MergeConfiguration;
import dev.amalgam.exec.ExecutionOptions;
import dev.amalgam.exec.LambdaSweep;
import dev.amalgam.exec.MergeExecutor;
import dev.amalgam.merge.LambdaSweepable;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.PlanOptions;
import dev.amalgam.plan.Planner;
import dev.amalgam.util.SizeParser;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amalgam merge CONFIG OUT_PATH}: mergekit-yaml's command, with its CPU-relevant options. */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a mergekit YAML recipe and write the merged model to OUT_PATH.")
final class MergeCommand implements Callable<Integer> {
    /** Seed used when --random-seed is not given, so that random methods are still reproducible. */
    static final long DEFAULT_SEED = 42;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The recipe (mergekit YAML).")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_PATH", description = "Folder to write the merged model into.")
    Path outPath;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B",
            description = "Largest output shard: an integer with K/M/B suffix as in mergekit (default 5B = 5e9 bytes), or 500MB, 2GiB, ...")
    String outShardSize;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Copy the donor model's tokenizer files (default: on).")
    boolean copyTokenizer;

    @Option(names = "--write-model-card", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write README.md and mergekit_config.yml (default: on).")
    boolean writeModelCard;

    @Option(names = "--random-seed", paramLabel = "N", description = "Seed for random methods (default " + DEFAULT_SEED + ").")
    Long randomSeed;

    @Option(names = "--allow-crimes", description = "Allow merging models of different architectures.")
    boolean allowCrimes;

    @Option(names = "--force", description = "Replace OUT_PATH if it exists.")
    boolean force;

    @Option(names = {"-j", "--threads", "--num-threads"}, paramLabel = "N",
            description = "Worker threads (default: all cores).")
    Integer threads;

    @Option(names = "--memory-limit", paramLabel = "SIZE",
            description = "Memory that tensors merged whole (TIES selection, SVD, ...) may hold at once, e.g. 8GB"
                    + " or 4GiB (default: half the machine's memory, at most 80%% of the Java heap). Element-wise"
                    + " methods stream and need only a few MB per thread.")
    String memoryLimit;

    @Option(names = "--clone-tensors", description = "Accepted for mergekit compatibility; Amalgam never shares tensor storage, so it has no effect.")
    boolean cloneTensors;

    @Option(names = "--lora-merge-cache", paramLabel = "PATH",
            description = "Accepted for mergekit compatibility; Amalgam applies LoRA adapters on the fly, without a merged copy.")
    Path loraMergeCache;

    @Option(names = "--lora-merge-dtype", paramLabel = "DTYPE", hidden = true)
    String loraMergeDtype;

    @Option(names = "--lazy-unpickle", hidden = true)
    boolean lazyUnpickle;
    @Option(names = "--cuda", hidden = true)
    boolean cuda;
    @Option(names = "--low-cpu-memory", hidden = true)
    boolean lowCpuMemory;
    @Option(names = "--read-to-gpu", hidden = true)
    boolean readToGpu;
    @Option(names = "--multi-gpu", hidden = true)
    boolean multiGpu;
    @Option(names = "--gpu-rich", hidden = true)
    boolean gpuRich;
    @Option(names = "--trust-remote-code", hidden = true)
    boolean trustRemoteCode;
    @Option(names = "--async-write", hidden = true)
    boolean asyncWrite;
    @Option(names = "--write-threads", hidden = true, paramLabel = "N")
    Integer writeThreads;
    @Option(names = "--device", hidden = true, paramLabel = "DEV")
    String device;
    @Option(names = "--safe-serialization", negatable = true, defaultValue = "true", fallbackValue = "true", hidden = true)
    boolean safeSerialization;

    @Option(names = "--sweep", paramLabel = "lambda=START:END:STEP",
            description = "Write one output per lambda value into OUT_PATH/lambda-X (methods tsv_m, iso_c, iso_cts,"
                    + " cart, magmax), computing each tensor's decompositions once.")
    String sweep;

    @Mixin
    CommonOptions common;


    @Override
    public Integer call() {
        Console console = common.console();
        noteIgnoredOptions(console);
        if (!safeSerialization) {
            throw new dev.amalgam.error.ConfigException("--no-safe-serialization: Amalgam writes only safetensors"
                    + " (pickled .bin files can run arbitrary code when loaded)");
        }
        long shardBytes = SizeParser.parse(outShardSize);
        long memoryBytes = memoryLimit == null ? 0 : SizeParser.parse(memoryLimit);
        if (memoryLimit != null && memoryBytes < 1L << 20) {
            throw new dev.amalgam.error.ConfigException("--memory-limit " + memoryLimit
                    + " is too small; give at least 1MiB, e.g. 4GB");
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1) {
            throw new dev.amalgam.error.ConfigException("-j/--threads must be at least 1, got " + nThreads);
        }
        // Cheap checks first: a recipe problem or an existing output must fail before any model is opened.
        OutputFolder.checkFileOutside(outPath, config, "the recipe");
        LambdaSweep lambdaSweep = sweep == null ? null : LambdaSweep.parse(sweep);
        if (lambdaSweep == null) {
            OutputFolder.checkTarget(outPath, force);
        } else {
            for (var v : lambdaSweep.values()) {
                OutputFolder.checkTarget(outPath.resolve(LambdaSweep.folderName(v)), force);
            }
        }
        MergeConfiguration cfg = ConfigParser.parse(config);
        long seed = randomSeed != null ? randomSeed : DEFAULT_SEED;
        long start = System.nanoTime();
        var hub = common.hubModels(console, "Downloading");
        try (MergePlan plan = Planner.plan(cfg, new PlanOptions(common.locator(config, hub), allowCrimes, seed))) {
            plan.warnings().forEach(console::warn);
            if (plan.method().info().random()) {
                // a random method is reproducible only with its seed, so always say which one was used
                console.note("Random seed: " + seed + (randomSeed == null
                        ? " (the default; pass --random-seed N for another)" : ""));
            }
            OutputFolder.checkAgainstInputs(outPath, inputFolders(plan));
            hub.fetchFor(plan);
            console.note("Merging " + plan.models().size() + " model(s) with " + plan.method().info().name() + ": "
                    + plan.jobs().size() + " tensors, " + Units.count(plan.parameterCount()) + " parameters, "
                    + Units.bytes(plan.bytesToWrite()) + " to write, " + nThreads + " thread(s)");
            ExecutionOptions opts = new ExecutionOptions(nThreads, shardBytes, copyTokenizer, writeModelCard, force);
            if (memoryBytes > 0) {
                opts = opts.withMemoryLimit(memoryBytes);
            }
            if (common.verbosity() > 0) {
                console.note("kernels: " + dev.amalgam.kernel.Kernels.active().description());
                console.note(String.format("memory limit: %s for tensors merged whole (Java heap limit %s)",
                        Units.bytes(opts.memoryLimit()), Units.bytes(Runtime.getRuntime().maxMemory())));
            }
            if (lambdaSweep != null) {
                runSweep(plan, lambdaSweep, opts, console, start);
                return 0;
            }
            Path out;
            try (ProgressReporter progress = ProgressReporter.create(console, common.quiet)) {
                out = MergeExecutor.run(plan, outPath, opts, FaultInjection.wrap(progress), console::warn);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            console.out.printf("Wrote %s (%s in %d tensor(s)) in %.1f s%n", out,
                    Units.bytes(plan.bytesToWrite()), plan.jobs().size(), secs);
            if (!plan.sideInputs().stateSlots().isEmpty()) {
                console.out.printf("Optimizer state (step %s) in %s: pass it as optimizer_state: for the next round%n",
                        plan.sideInputs().stateMetadata().get("step"), out.resolve(MergeExecutor.STATE_FILE));
            }
            console.out.flush();
        }
        return 0;
    }

    /** Every folder the merge reads: the models and the folders of the files their tensors come from. */
    private static java.util.Set<Path> inputFolders(MergePlan plan) {
        java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
        plan.models().forEach(m -> dirs.add(m.dir()));
        plan.jobs().forEach(j -> j.inputs().forEach(i -> dirs.add(i.location().shard().getParent())));
        return dirs;
    }

    /**
     * One output per λ into OUT_PATH/lambda-X. The method keeps each tensor's λ-independent update after the first
     * value, so the SVDs run once (memory: about 4–8 bytes per parameter for the kept updates).
     */
    private void runSweep(MergePlan plan, LambdaSweep sweepValues, ExecutionOptions opts, Console console,
                          long start) {
        if (!(plan.method() instanceof LambdaSweepable sweepable)) {
            throw new dev.amalgam.error.ConfigException("--sweep: merge method " + plan.method().info().name()
                    + " has no lambda to sweep (methods that do: tsv_m, iso_c, iso_cts, cart, magmax)");
        }
        for (var v : sweepValues.values()) {
            sweepable.sweepLambda(v.doubleValue());
            Path target = outPath.resolve(LambdaSweep.folderName(v));
            Path out;
            try (ProgressReporter progress = ProgressReporter.create(console, common.quiet)) {
                out = MergeExecutor.run(plan, target, opts, progress, console::warn);
            }
            console.out.printf("Wrote %s (lambda = %s) after %.1f s%n", out, v.toPlainString(),
                    (System.nanoTime() - start) / 1e9);
            console.out.flush();
        }
    }

    private void noteIgnoredOptions(Console console) {
        if (cloneTensors) {
            console.note("note: --clone-tensors has no effect (Amalgam never shares storage between tensors)");
        }
        String[][] gpu = {
                {"--lazy-unpickle", String.valueOf(lazyUnpickle)}, {"--cuda", String.valueOf(cuda)},
                {"--low-cpu-memory", String.valueOf(lowCpuMemory)}, {"--read-to-gpu", String.valueOf(readToGpu)},
                {"--multi-gpu", String.valueOf(multiGpu)}, {"--gpu-rich", String.valueOf(gpuRich)},
                {"--async-write", String.valueOf(asyncWrite)}, {"--write-threads", String.valueOf(writeThreads != null)},
                {"--trust-remote-code", String.valueOf(trustRemoteCode)}};
        for (String[] o : gpu) {
            if (Boolean.parseBoolean(o[1])) {
                console.note("note: " + o[0] + " does not apply to Amalgam (it merges on the CPU, streams"
                        + " memory-mapped safetensors and writes in parallel already); ignored");
            }
        }
        if (loraMergeCache != null || loraMergeDtype != null) {
            console.note("note: --lora-merge-cache/--lora-merge-dtype have no effect: Amalgam applies LoRA adapters"
                    + " while reading (in float32), without writing a merged copy");
        }
        if (device != null && !device.equals("cpu")) {
            console.note("note: --device " + device + " does not apply to Amalgam, which merges on the CPU; ignored");
        }
    }
}
