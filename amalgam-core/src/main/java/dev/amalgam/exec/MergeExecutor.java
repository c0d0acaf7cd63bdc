package dev.amalgam.exec;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.InterruptedMergeException;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.kernel.Kernels;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.output.ShardIndexWriter;
import dev.amalgam.output.ShardLayout;
import dev.amalgam.output.SideFiles;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a {@link MergePlan}: all output shard headers are known from the plan, so every shard is created up
 * front and each tensor is written at its final position as soon as it is computed, by any worker thread. The
 * bytes of the output therefore do not depend on the thread count or on scheduling.
 *
 * <p>Tensors are taken in input-locality order ({@link JobOrder}); element-wise tensors larger than
 * {@link ExecutionOptions#splitElements()} are cut into ranges that run in parallel, and whole-tensor methods are
 * admitted only while their working memory fits the {@link ExecutionOptions#memoryLimit()} ({@link MemoryBudget}).
 * A shard is flushed to disk and closed as soon as its last tensor is written, while later shards are still
 * being merged, so there is never more than the page cache between results and the file.
 */
public final class MergeExecutor {
    private MergeExecutor() {
    }

    /**
     * Parameters from which a merge by a multi-pass method ({@link MergeMethod#repaysCompiledKernels}) tells the
     * kernels to use their vector code as soon as it is compiled ({@link dev.amalgam.kernel.Kernels#expectHeavyUse}): 2²⁷
     * (134 M, a quarter-GB bf16 model), where each operation's scalar cost is well above the half CPU-second
     * compiling it takes. Small merges (tests, the examples) never start a compilation they cannot repay.
     */
    static final long HEAVY_PARAMETERS_MULTI_PASS = 1L << 27;

    /**
     * The same for every other method: 2³⁰ (1.07 G, a 2 GB bf16 model). Measured on 2 cores, vector kernels
     * from the start against the ski-rental rule: on 3 x 1 GB (483 M parameters) linear 2.9-3.1 s against
     * 2.2 s and slerp 3.7 s against 2.8 s (the rule wins); on 3 x 4 GB (1.98 G) linear 5.6-5.8 s against
     * 6.5-6.6 s and slerp 6.8 s against 8.1 s (vector wins). Interpolated, the two break even near 1.1 G.
     */
    static final long HEAVY_PARAMETERS = 1L << 30;

    /** Merges into {@code out}; returns the final output folder. */
    public static Path run(MergePlan plan, Path out, ExecutionOptions opts, MergeProgress progress,
                           Consumer<String> warnings) {
        long heavy = plan.method().repaysCompiledKernels() ? HEAVY_PARAMETERS_MULTI_PASS : HEAVY_PARAMETERS;
        if (plan.parameterCount() >= heavy) {
            Kernels.active().expectHeavyUse();
        }
        ShardLayout layout = ShardLayout.of(plan.jobs(), opts.maxShardBytes());
        try (OutputFolder folder = OutputFolder.create(out, opts.force())) {
            Map<String, OpenShard> shardOf = new HashMap<>();
            List<OpenShard> shards = new ArrayList<>();
            SafetensorsWriter state = null;
            try {
                for (ShardLayout.Shard shard : layout.shards()) {
                    List<TensorSpec> specs = shard.jobs().stream()
                            .map(j -> new TensorSpec(j.outputName(), j.outDtype(), j.shape())).toList();
                    SafetensorsWriter w = SafetensorsWriter.create(folder.temp().resolve(shard.fileName()), specs,
                            Map.of("format", "pt"));
                    OpenShard open = new OpenShard(w, shard.jobs().size());
                    shards.add(open);
                    shard.jobs().forEach(j -> shardOf.put(j.outputName(), open));
                }
                state = stateWriter(plan, folder.temp());
                progress.started(plan.jobs().size(), plan.bytesToWrite());
                runJobs(plan, shardOf, state, opts, progress, warnings);
                for (OpenShard s : shards) {
                    s.finishIfComplete();
                }
                if (state != null) {
                    state.finish();
                }
            } finally {
                shards.forEach(s -> s.writer().close());
                if (state != null) {
                    state.close();
                }
            }
            if (layout.shards().size() > 1) {
                ShardIndexWriter.write(folder.temp(), layout);
            }
            SideFiles.write(plan, folder.temp(), folder.target().getFileName().toString(), opts, warnings);
            folder.commit();
            progress.finished();
            return folder.target();
        }
    }

    /** File a stateful method (federated optimizers, DiLoCo) writes its updated state to, beside the model. */
    public static final String STATE_FILE = "optimizer_state.safetensors";

    /**
     * The writer of {@link #STATE_FILE} for a method with state slots: one float32 tensor per slot and merged tensor,
     * named {@code slot.tensor}, with the optimizer, step and hyperparameters as metadata; null for other methods.
     */
    private static SafetensorsWriter stateWriter(MergePlan plan, Path dir) {
        List<String> slots = plan.sideInputs().stateSlots();
        if (slots.isEmpty()) {
            return null;
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (TensorJob j : plan.jobs()) {
            if (!j.rawCopy()) {
                for (String slot : slots) {
                    specs.add(new TensorSpec(StatefulTensorOutput.key(slot, j.outputName()),
                            dev.amalgam.tensor.DType.F32, j.shape()));
                }
            }
        }
        return SafetensorsWriter.create(dir.resolve(STATE_FILE), specs, plan.sideInputs().stateMetadata());
    }

    /** An output shard and how many of its tensors are still to come. */
    private record OpenShard(SafetensorsWriter writer, AtomicInteger pending) {
        OpenShard(SafetensorsWriter writer, int tensors) {
            this(writer, new AtomicInteger(tensors));
        }

        void tensorWritten() {
            if (pending.decrementAndGet() == 0) {
                writer.finish();
            }
        }

        /** Finishes a shard that had no tensors to wait for (an empty merge). */
        void finishIfComplete() {
            if (pending.compareAndSet(0, -1) && !writer.isFinished()) {
                writer.finish();
            }
        }
    }

    private static void runJobs(MergePlan plan, Map<String, OpenShard> shardOf, SafetensorsWriter state,
                                ExecutionOptions opts, MergeProgress progress, Consumer<String> warnings) {
        MemoryBudget budget = new MemoryBudget(opts.memoryLimit());
        List<JobRun.Part> parts = new ArrayList<>();
        boolean warnedOversized = false;
        for (TensorJob job : JobOrder.dominantFirst(JobOrder.byInputLocality(plan.jobs()), opts.threads(),
                opts.splitElements())) {
            OpenShard shard = shardOf.get(job.outputName());
            JobRun run = new JobRun(plan, job, shard.writer(), state, warnings, () -> {
                shard.tensorWritten();
                progress.tensorDone(job);
            });
            for (JobRun.Part p : run.parts(opts.splitElements())) {
                if (!warnedOversized && budget.exceeds(p.memoryBytes())) {
                    warnedOversized = true;
                    warnings.accept(String.format("tensor %s needs about %.1f GiB to merge with %s, more than the"
                                    + " memory limit of %.1f GiB (--memory-limit); such tensors run one at a time",
                            job.outputName(), p.memoryBytes() / (double) (1L << 30), plan.method().info().name(),
                            opts.memoryLimit() / (double) (1L << 30)));
                }
                parts.add(p);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(opts.threads(), r -> {
            Thread t = new Thread(r, "amalgam-merge");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>(parts.size());
            for (JobRun.Part p : parts) {
                int units = budget.units(p.memoryBytes());
                futures.add(pool.submit(() -> {
                    budget.acquire(units);
                    try {
                        p.run();
                    } finally {
                        budget.release(units);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(x -> x.cancel(true));
                    Throwable c = e.getCause();
                    if (c instanceof AmalgamException ae) {
                        throw ae;
                    }
                    if (dev.amalgam.error.IoMessages.isMappedReadFault(c)) {
                        throw dev.amalgam.error.IoMessages.mappedReadFault(c);
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    if (c instanceof InterruptedException) {
                        throw new InterruptedMergeException("the merge was interrupted; the partial output was removed");
                    }
                    throw new IllegalStateException("merge failed: " + c, c);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedMergeException("the merge was interrupted; the partial output was removed");
        } finally {
            pool.shutdownNow();
        }
    }
}
