package dev.amalgam.exec;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.InterruptedMergeException;
import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.io.safetensors.TensorSpec;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.output.OutputFolder;
import dev.amalgam.output.ShardIndexWriter;
import dev.amalgam.output.ShardLayout;
import dev.amalgam.output.SideFiles;
import dev.amalgam.plan.JobInput;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs a {@link MergePlan}: all output shard headers are known from the plan, so every shard is created up
 * front and each tensor is written at its final position as soon as it is computed, by any worker thread. The
 * bytes of the output therefore do not depend on the thread count or on scheduling.
 */
public final class MergeExecutor {
    private static final long RAW_CHUNK = 8L << 20;

    private MergeExecutor() {
    }

    /** Merges into {@code out}; returns the final output folder. */
    public static Path run(MergePlan plan, Path out, ExecutionOptions opts, MergeProgress progress,
                           Consumer<String> warnings) {
        ShardLayout layout = ShardLayout.of(plan.jobs(), opts.maxShardBytes());
        try (OutputFolder folder = OutputFolder.create(out, opts.force())) {
            Map<String, SafetensorsWriter> writerOf = new HashMap<>();
            List<SafetensorsWriter> writers = new ArrayList<>();
            try {
                for (ShardLayout.Shard shard : layout.shards()) {
                    List<TensorSpec> specs = shard.jobs().stream()
                            .map(j -> new TensorSpec(j.outputName(), j.outDtype(), j.shape())).toList();
                    SafetensorsWriter w = SafetensorsWriter.create(folder.temp().resolve(shard.fileName()), specs,
                            Map.of("format", "pt"));
                    writers.add(w);
                    shard.jobs().forEach(j -> writerOf.put(j.outputName(), w));
                }
                progress.started(plan.jobs().size(), plan.bytesToWrite());
                runJobs(plan, writerOf, Math.max(1, opts.threads()), progress, warnings);
                for (SafetensorsWriter w : writers) {
                    w.finish();
                }
            } finally {
                writers.forEach(SafetensorsWriter::close);
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

    private static void runJobs(MergePlan plan, Map<String, SafetensorsWriter> writerOf, int threads,
                                MergeProgress progress, Consumer<String> warnings) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "amalgam-merge");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (TensorJob job : plan.jobs()) {
                futures.add(pool.submit(() -> {
                    runJob(plan, job, writerOf.get(job.outputName()), warnings);
                    progress.tensorDone(job);
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
                    if (c instanceof Error err) {
                        throw err;
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

    static void runJob(MergePlan plan, TensorJob job, SafetensorsWriter writer, Consumer<String> warnings) {
        MappedTensorInputs inputs = new MappedTensorInputs(job);
        if (job.rawCopy()) {
            // Integer tensors are copied, from the base model when the method has one (spec methods.md §0.3).
            MemorySegment src = inputs.rawSegment(Math.max(0, job.baseIndex()));
            for (long off = 0; off < src.byteSize(); off += RAW_CHUNK) {
                writer.write(job.outputName(), off, src.asSlice(off, Math.min(RAW_CHUNK, src.byteSize() - off)));
            }
            return;
        }
        var ctx = new TensorMergeContext(job.outputName(), job.shape(), job.params(),
                job.inputs().stream().map(JobInput::params).toList(),
                job.inputs().stream().map(i -> i.model().displayName()).toList(),
                job.baseIndex(), job.isEmbedding(), plan.seed(), warnings);
        plan.method().merge(ctx, inputs, new ShardTensorOutput(writer, job.outputName(), job.outDtype()));
    }
}
