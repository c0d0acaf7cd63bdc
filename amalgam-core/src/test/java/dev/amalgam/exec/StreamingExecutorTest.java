package dev.amalgam.exec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.TensorInputs;
import dev.amalgam.merge.TensorMergeContext;
import dev.amalgam.merge.TensorOutput;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming executor: deterministic output for any thread count and split, locality order, memory budget. */
class StreamingExecutorTest {
    private static final String RECIPE = """
            merge_method: linear
            models:
              - model: ./models/ft_a_bf16_sharded
                parameters: {weight: 0.3}
              - model: ./models/ft_b
                parameters: {weight: 0.45}
              - model: ./models/base
                parameters: {weight: 0.25}
            dtype: bfloat16
            """;

    @TempDir
    Path tmp;

    private Path merge(String name, int threads, long split, long shardBytes) {
        Path out = tmp.resolve(name);
        try (MergePlan plan = TestMerges.plan(RECIPE, TestResources.golden())) {
            ExecutionOptions opts = new ExecutionOptions(threads, shardBytes, false, false, false)
                    .withSplitElements(split);
            MergeExecutor.run(plan, out, opts, MergeProgress.NONE, w -> { });
        }
        return out;
    }

    @Test
    void outputBytesDoNotDependOnThreadsOrSplitting() throws IOException {
        // 20 KB shards: several output shards, finished while others are still being written
        Path reference = merge("j1", 1, ExecutionOptions.DEFAULT_SPLIT_ELEMENTS, 20_000);
        List<Path> files = listFiles(reference);
        assertThat(files).as("the output is sharded").hasSizeGreaterThan(2);
        for (int threads : new int[]{2, 4, 7}) {
            // 333 elements: every large tensor is cut into many parts with boundaries inside chunks
            Path other = merge("j" + threads, threads, 333, 20_000);
            assertThat(listFiles(other).stream().map(p -> other.relativize(p).toString()).toList())
                    .isEqualTo(files.stream().map(p -> reference.relativize(p).toString()).toList());
            for (Path f : files) {
                byte[] a = Files.readAllBytes(f);
                byte[] b = Files.readAllBytes(other.resolve(reference.relativize(f)));
                assertThat(java.util.Arrays.mismatch(a, b)).as("%s with -j %d: first differing byte", f.getFileName(),
                        threads).isEqualTo(-1);
            }
        }
    }

    private static List<Path> listFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void jobsAreOrderedByWhereTheirFirstInputLies() {
        try (MergePlan plan = TestMerges.plan(RECIPE, TestResources.golden())) {
            List<TensorJob> ordered = JobOrder.byInputLocality(plan.jobs());
            assertThat(ordered).hasSameSizeAs(plan.jobs()).containsExactlyInAnyOrderElementsOf(plan.jobs());
            for (int i = 1; i < ordered.size(); i++) {
                var prev = ordered.get(i - 1).inputs().get(0).location();
                var cur = ordered.get(i).inputs().get(0).location();
                int shard = prev.shard().toString().compareTo(cur.shard().toString());
                assertThat(shard < 0 || shard == 0 && prev.info().begin() < cur.info().begin())
                        .as("%s before %s", prev, cur).isTrue();
            }
            // the first input is the 3-shard model: the order walks its shards one after the other
            assertThat(ordered.get(0).inputs().get(0).location().shard().getFileName().toString())
                    .isEqualTo("model-00001-of-00003.safetensors");
        }
    }

    @Test
    void largeElementwiseTensorsAreSplitAndSmallOnesAreNot() {
        try (MergePlan plan = TestMerges.plan(RECIPE, TestResources.golden())) {
            TensorJob embed = plan.jobs().stream().filter(j -> j.outputName().equals("model.embed_tokens.weight"))
                    .findFirst().orElseThrow();
            assertThat(embed.numel()).isEqualTo(256 * 64);
            assertThat(new JobRun(plan, embed, null, null, w -> { }, () -> { }).parts(1000)).hasSize(17);
            assertThat(new JobRun(plan, embed, null, null, w -> { }, () -> { }).parts(1 << 22)).hasSize(1);
        }
    }

    /** A whole-tensor method that copies input 0 and records how many merges hold memory at once. */
    private static final class WholeTensorCopy implements MergeMethod {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final long bytesPerTensor;
        final MethodInfo info;

        WholeTensorCopy(MethodInfo info, long bytesPerTensor) {
            this.info = info;
            this.bytesPerTensor = bytesPerTensor;
        }

        @Override
        public MethodInfo info() {
            return info;
        }

        @Override
        public long workingMemoryBytes(long numel, int inputCount) {
            return bytesPerTensor;
        }

        @Override
        public void merge(TensorMergeContext ctx, TensorInputs inputs, TensorOutput output) {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                float[] v = new float[(int) inputs.numel()];
                inputs.read(0, 0, v, 0, v.length);
                Thread.sleep(3);
                output.write(0, v, 0, v.length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private int maxConcurrentWholeTensorMerges(long memoryLimit, long perTensor, List<String> warnings) {
        try (MergePlan linear = TestMerges.plan(RECIPE, TestResources.golden())) {
            WholeTensorCopy m = new WholeTensorCopy(linear.method().info(), perTensor);
            MergePlan plan = new MergePlan(linear.config(), m, linear.models(), linear.donor(), linear.jobs(),
                    linear.outputLayers(), linear.outputConfig(), linear.warnings(), linear.seed());
            ExecutionOptions opts = new ExecutionOptions(4, 0, false, false, false).withMemoryLimit(memoryLimit);
            MergeExecutor.run(plan, tmp.resolve("budget-" + memoryLimit + "-" + perTensor), opts, MergeProgress.NONE,
                    warnings::add);
            return m.maxInFlight.get();
        }
    }

    @Test
    void wholeTensorMergesStayWithinTheMemoryLimit() {
        List<String> warnings = new ArrayList<>();
        // 3 MiB per tensor, 7 MiB allowed: never more than two at once although four workers are free
        assertThat(maxConcurrentWholeTensorMerges(7L << 20, 3L << 20, warnings)).isBetween(1, 2);
        assertThat(warnings).isEmpty();
        // a tensor needing more than the whole limit runs alone, with a warning
        assertThat(maxConcurrentWholeTensorMerges(2L << 20, 5L << 20, warnings)).isEqualTo(1);
        assertThat(warnings).singleElement().asString().contains("more than the memory limit");
        // with room for all, the four workers do run whole-tensor merges side by side
        assertThat(maxConcurrentWholeTensorMerges(1L << 30, 1L << 20, new ArrayList<>())).isGreaterThan(1);
    }

    @Test
    void memoryBudgetRoundsUpAndCaps() {
        MemoryBudget b = new MemoryBudget(10L << 20);
        assertThat(b.units(1)).isEqualTo(1);
        assertThat(b.units((3L << 20) + 1)).isEqualTo(4);
        assertThat(b.units(1L << 40)).isEqualTo(10);
        assertThat(b.exceeds(11L << 20)).isTrue();
        assertThat(b.exceeds(10L << 20)).isFalse();
        assertThat(b.available()).isEqualTo(10);
    }
}
