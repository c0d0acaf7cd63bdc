package dev.amalgam.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amalgam.error.IoFailureException;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A failure in the middle of a merge (a write error, a full disk, a failing method) leaves nothing behind: no output
 * folder, no temporary folder, an existing output untouched even with {@code --force}, and the inputs unchanged.
 * The failure is injected through the progress callback, which the executor calls from its workers after each
 * tensor has been written into the temporary shards; CliProcessFaultTest covers real OS-level write failures.
 */
class MergeFaultTest {
    @TempDir
    Path tmp;
    Path outParent;

    private static final String RECIPE = """
            merge_method: linear
            models:
              - model: a
                parameters: {weight: 1}
              - model: b
                parameters: {weight: 3}
            """;

    @BeforeEach
    void models() throws Exception {
        TinyModel.llama(3).fill((n, i) -> i).write(tmp.resolve("a"));
        TinyModel.llama(3).fill((n, i) -> -i).write(tmp.resolve("b"));
        outParent = Files.createDirectories(tmp.resolve("outputs"));
    }

    /** Fails like a full disk once {@code after} tensors are in the temporary output. */
    private static MergeProgress failingAfter(int after, AtomicInteger seen) {
        return new MergeProgress() {
            @Override
            public void tensorDone(TensorJob job) {
                if (seen.incrementAndGet() == after) {
                    throw new IoFailureException("cannot write shard: No space left on device",
                            new IOException("No space left on device"));
                }
            }
        };
    }

    private Throwable mergeFailing(Path out, boolean force, int after, int threads, long shardBytes) {
        AtomicInteger seen = new AtomicInteger();
        try (MergePlan plan = TestMerges.plan(RECIPE, tmp)) {
            return catchThrowable(() -> MergeExecutor.run(plan, out,
                    new ExecutionOptions(threads, shardBytes, true, true, force), failingAfter(after, seen), w -> { }));
        }
    }

    private static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(f).toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    private void assertOnlyInOutputs(String... names) throws IOException {
        try (Stream<Path> s = Files.list(outParent)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(names);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void failureMidWriteLeavesNoOutputAndNoTemporaryFiles(int threads) throws Exception {
        Map<String, String> inputsBefore = digests(tmp.resolve("a"));
        inputsBefore.putAll(digests(tmp.resolve("b")));
        // small shards, so that several shard files are open when the failure comes
        Throwable t = mergeFailing(outParent.resolve("merged"), false, 4, threads, 200);
        assertThat(t).isInstanceOf(IoFailureException.class).hasMessageContaining("No space left on device");
        assertOnlyInOutputs();
        Map<String, String> inputsAfter = digests(tmp.resolve("a"));
        inputsAfter.putAll(digests(tmp.resolve("b")));
        assertThat(inputsAfter).isEqualTo(inputsBefore);
    }

    @Test
    void foldersCreatedForTheOutputAreRemovedToo() throws Exception {
        Throwable t = mergeFailing(outParent.resolve("new/deeper/merged"), false, 3, 2,
                ExecutionOptions.DEFAULT_SHARD_BYTES);
        assertThat(t).isInstanceOf(IoFailureException.class);
        assertOnlyInOutputs();
        // a folder that existed before is kept even when empty
        Files.createDirectories(outParent.resolve("mine"));
        mergeFailing(outParent.resolve("mine/new/merged"), false, 3, 1, ExecutionOptions.DEFAULT_SHARD_BYTES);
        assertOnlyInOutputs("mine");
        try (Stream<Path> s = Files.list(outParent.resolve("mine"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void failureWithForceLeavesTheExistingOutputUntouched() throws Exception {
        Path out = outParent.resolve("merged");
        TestMerges.merge(RECIPE, tmp, out);
        Files.writeString(out.resolve("notes.txt"), "the user's own file");
        Map<String, String> before = digests(out);
        Throwable t = mergeFailing(out, true, 10, 2, ExecutionOptions.DEFAULT_SHARD_BYTES);
        assertThat(t).isInstanceOf(IoFailureException.class);
        assertThat(digests(out)).isEqualTo(before);
        assertOnlyInOutputs("merged");
    }

    @Test
    void failureInTheLastTensorStillCommitsNothing() throws Exception {
        // 12 tensors for 3 layers: the failure comes after every shard byte is written, before the commit
        Throwable t = mergeFailing(outParent.resolve("merged"), false, 12, 1, ExecutionOptions.DEFAULT_SHARD_BYTES);
        assertThat(t).isInstanceOf(IoFailureException.class);
        assertOnlyInOutputs();
    }

    /**
     * Another program truncates an input while the merge reads it through its memory map (the JVM reports the SIGBUS
     * as an InternalError): a typed I/O error that says what happened, and nothing left behind.
     */
    @Test
    void anInputTruncatedDuringTheMergeIsAnIoFailure() throws Exception {
        // a 256 KB embedding, so that the tensors after it lie on pages the truncation removes
        TinyModel.llama(3).with("model.embed_tokens.weight", dev.amalgam.tensor.DType.F32, 16384, 4)
                .write(tmp.resolve("a"));
        TinyModel.llama(3).with("model.embed_tokens.weight", dev.amalgam.tensor.DType.F32, 16384, 4)
                .write(tmp.resolve("b"));
        Path file = tmp.resolve("b/model.safetensors");
        long keep = dev.amalgam.io.safetensors.SafetensorsFile.readHeader(file).dataStart();
        AtomicInteger seen = new AtomicInteger();
        Throwable t;
        try (MergePlan plan = TestMerges.plan(RECIPE, tmp)) {
            t = catchThrowable(() -> MergeExecutor.run(plan, outParent.resolve("merged"),
                    new ExecutionOptions(1, ExecutionOptions.DEFAULT_SHARD_BYTES, true, true, false),
                    new MergeProgress() {
                        @Override
                        public void tensorDone(TensorJob job) {
                            if (seen.incrementAndGet() == 1) {
                                try (var ch = java.nio.channels.FileChannel.open(file,
                                        java.nio.file.StandardOpenOption.WRITE)) {
                                    ch.truncate(keep); // every tensor byte of b is gone from under the mapping
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        }
                    }, w -> { }));
        }
        assertThat(t).isInstanceOf(IoFailureException.class)
                .hasMessageStartingWith("an input model file became unreadable while the merge was reading it");
        assertOnlyInOutputs();
    }

    @Test
    void aSuccessfulForcedMergeReplacesTheOldOutputOnlyAtTheEnd() throws Exception {
        Path out = outParent.resolve("merged");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "old");
        AtomicInteger checked = new AtomicInteger();
        try (MergePlan plan = TestMerges.plan(RECIPE, tmp)) {
            MergeExecutor.run(plan, out, new ExecutionOptions(2, ExecutionOptions.DEFAULT_SHARD_BYTES, true, true,
                    true), new MergeProgress() {
                @Override
                public void tensorDone(TensorJob job) {
                    // while tensors are being written the old output is still complete and in place
                    assertThat(out.resolve("old.txt")).hasContent("old");
                    checked.incrementAndGet();
                }
            }, w -> { });
        }
        assertThat(checked.get()).isEqualTo(12);
        assertThat(out.resolve("old.txt")).doesNotExist();
        // normalised weights 1/4 and 3/4 of i and -i
        assertThat(TestMerges.read(out, "model.norm.weight")).containsExactly(0f, -0.5f, -1f, -1.5f);
        assertOnlyInOutputs("merged");
    }
}
