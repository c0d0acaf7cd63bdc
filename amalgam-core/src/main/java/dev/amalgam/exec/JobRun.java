package dev.amalgam.exec;

import dev.amalgam.io.safetensors.SafetensorsWriter;
import dev.amalgam.merge.ElementwiseMethod;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.plan.JobInput;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One tensor job cut into the parts the workers run: a single part for a whole-tensor method, a raw copy or a
 * small tensor; element ranges (whole multiples of the method's chunk) for a large element-wise one. The ranges
 * depend only on the tensor size and {@link ExecutionOptions#splitElements()}, never on the thread count. The parts share one {@link MappedTensorInputs}, created by whichever
 * part runs first (a LoRA transform's preparation happens once), and the last part to finish reports the tensor
 * done. Each part reserves its working memory from the {@link MemoryBudget} while it runs.
 */
final class JobRun {
    private static final long RAW_CHUNK = 8L << 20;

    private final MergePlan plan;
    private final TensorJob job;
    private final SafetensorsWriter writer;
    private final SafetensorsWriter state;
    private final Consumer<String> warnings;
    private final Runnable onDone;
    private final AtomicInteger remaining = new AtomicInteger();
    private MappedTensorInputs inputs;

    /** A job of a method without optimizer state. */
    JobRun(MergePlan plan, TensorJob job, SafetensorsWriter writer, Consumer<String> warnings, Runnable onDone) {
        this(plan, job, writer, null, warnings, onDone);
    }

    /** {@code state} is the optimizer-state writer of a stateful method (federated, DiLoCo), or null. */
    JobRun(MergePlan plan, TensorJob job, SafetensorsWriter writer, SafetensorsWriter state, Consumer<String> warnings,
           Runnable onDone) {
        this.plan = plan;
        this.job = job;
        this.writer = writer;
        this.state = state;
        // a method that warns while building its kernel would otherwise warn once per part
        Set<String> seen = ConcurrentHashMap.newKeySet();
        this.warnings = w -> {
            if (seen.add(w)) {
                warnings.accept(w);
            }
        };
        this.onDone = onDone;
    }

    /** A unit of work: which elements, and how much memory it holds while running. */
    interface Part {
        long memoryBytes();

        void run();
    }

    List<Part> parts(long splitElements) {
        MergeMethod method = plan.method();
        long numel = job.numel();
        List<Part> parts = new ArrayList<>();
        if (!job.rawCopy() && !method.needsWholeTensor() && method instanceof ElementwiseMethod em
                && numel > splitElements) {
            // whole chunks per part in normal use; smaller parts (tests) still give the same bits, since an
            // element-wise kernel's result for an element depends only on that element
            long chunk = ElementwiseMethod.CHUNK;
            long step = splitElements >= chunk ? (splitElements + chunk - 1) / chunk * chunk : splitElements;
            long memory = em.workingMemoryBytes(step, job.inputs().size());
            for (long from = 0; from < numel; from += step) {
                long f = from;
                long t = Math.min(numel, from + step);
                parts.add(part(memory, () -> em.mergeRange(context(), inputs(), output(), f, t)));
            }
        } else {
            long memory = job.rawCopy() ? 0 : method.workingMemoryBytes(numel, job.inputs().size());
            parts.add(part(memory, this::runWhole));
        }
        remaining.set(parts.size());
        return parts;
    }

    private Part part(long memory, Runnable body) {
        return new Part() {
            @Override
            public long memoryBytes() {
                return memory;
            }

            @Override
            public void run() {
                body.run();
                if (remaining.decrementAndGet() == 0) {
                    onDone.run();
                }
            }
        };
    }

    TensorJob job() {
        return job;
    }

    private synchronized MappedTensorInputs inputs() {
        if (inputs == null) {
            inputs = new MappedTensorInputs(job);
        }
        return inputs;
    }

    private dev.amalgam.merge.TensorOutput output() {
        var out = new ShardTensorOutput(writer, job.outputName(), job.outDtype());
        return state == null ? out : new StatefulTensorOutput(out, state, job.outputName());
    }

    private TensorMergeContext context() {
        return new TensorMergeContext(job.outputName(), job.shape(), job.params(),
                job.inputs().stream().map(JobInput::params).toList(),
                job.inputs().stream().map(i -> i.model().displayName()).toList(),
                job.baseIndex(), job.isEmbedding(), plan.seed(), warnings);
    }

    private void runWhole() {
        if (job.rawCopy()) {
            // Integer tensors are copied, from the base model when the method has one (spec methods.md §0.3).
            MemorySegment src = inputs().rawSegment(Math.max(0, job.baseIndex()));
            for (long off = 0; off < src.byteSize(); off += RAW_CHUNK) {
                writer.write(job.outputName(), off, src.asSlice(off, Math.min(RAW_CHUNK, src.byteSize() - off)));
            }
            return;
        }
        plan.method().merge(context(), inputs(), output());
    }
}
