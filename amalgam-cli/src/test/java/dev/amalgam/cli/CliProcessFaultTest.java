package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.amalgam.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that only a real process shows: Ctrl-C and SIGTERM in the middle of writing or before any output (the shutdown hook removes the
 * temporary output and says so), a file-size limit and a full disk refusing a write (the OS error reaches the user
 * with exit code 4). Each test runs the real CLI in a child JVM. The merge is stopped mid-write with the
 * {@code amalgam.faultInjection=pause-after:N} test hook; the write failures are genuine: {@code ulimit -f} and a
 * 300 KB tmpfs mounted in a private mount namespace ({@code unshare}, where the system allows it).
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class CliProcessFaultTest {
    private static final long WAIT_SECONDS = 180; // a guard against a hung child, not a speed limit

    @TempDir
    Path tmp;
    Path parent;
    Path recipe;

    @BeforeEach
    void setUp() throws Exception {
        Path golden = TestResources.golden();
        recipe = Files.writeString(tmp.resolve("linear.yml"), Files.readString(golden.resolve("configs/linear.yml"))
                .replace("./models/", golden.resolve("models") + "/"));
        parent = Files.createDirectories(tmp.resolve("outputs"));
    }

    private static List<String> java(String... jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Ddev.ludovic.netlib.blas.allowNative=false", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.amalgam.cli.Main"));
        return cmd;
    }

    private static boolean succeeds(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A shell started in the background may ignore SIGINT, and the child would inherit that; undo it. */
    private static List<String> defaultSigint(List<String> cmd) {
        List<String> out = new ArrayList<>();
        if (succeeds("env", "--default-signal=INT", "true")) {
            out.addAll(List.of("env", "--default-signal=INT"));
        }
        out.addAll(cmd);
        return out;
    }

    record Child(Process process, Path stdout, Path stderr) {
        String err() throws IOException {
            return Files.readString(stderr);
        }

        int exit() throws Exception {
            assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).as("child exited").isTrue();
            return process.exitValue();
        }
    }

    private Child start(List<String> cmd) throws IOException {
        Path out = tmp.resolve("child.out");
        Path err = tmp.resolve("child.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new Child(p, out, err);
    }

    private static void awaitPause(Child c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!c.err().contains("amalgam: paused")) {
            if (!c.process().isAlive()) {
                throw new AssertionError("the child exited before pausing: " + c.err());
            }
            if (System.nanoTime() > deadline) {
                c.process().destroyForcibly();
                throw new AssertionError("the child did not reach the pause: " + c.err());
            }
            Thread.sleep(50);
        }
    }

    private List<String> outputs() throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void noStackTrace(String err) {
        assertThat(err).doesNotContain("\tat ").doesNotContain("Exception");
    }

    private void interruptMidWrite(String signal, int expectedExit) throws Exception {
        Path out = Files.createDirectories(parent.resolve("merged"));
        Files.writeString(out.resolve("model.safetensors"), "the previous merge");
        List<String> cmd = new ArrayList<>(java("-Damalgam.faultInjection=pause-after:3"));
        cmd.addAll(List.of("merge", recipe.toString(), out.toString(), "--force", "-j", "2"));
        Child c = start(defaultSigint(cmd));
        awaitPause(c);
        // mid-write: the temporary output exists beside the old one, which is still in place
        assertThat(outputs()).hasSize(2).contains("merged").anyMatch(n -> n.startsWith(".merged.amalgam-partial-"));
        assertThat(succeeds("kill", "-" + signal, String.valueOf(c.process().pid()))).isTrue();
        assertThat(c.exit()).as(c.err()).isEqualTo(expectedExit);
        String err = c.err();
        assertThat(err).contains("error: interrupted (Ctrl-C or a termination signal); removed the unfinished"
                + " output " + parent.resolve(".merged.amalgam-partial-")).contains("OUT_PATH was left as it was.");
        noStackTrace(err);
        assertThat(outputs()).containsExactly("merged");
        assertThat(out.resolve("model.safetensors")).hasContent("the previous merge");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s).hasSize(1);
        }
    }

    @Test
    void ctrlCMidWriteRemovesTheTemporaryOutputAndExits130() throws Exception {
        interruptMidWrite("INT", 130);
    }

    @Test
    void sigtermMidWriteRemovesTheTemporaryOutputAndExits143() throws Exception {
        interruptMidWrite("TERM", 143);
    }

    /**
     * Ctrl-C before any output exists: the recipe is a named pipe, so the child blocks while reading it (opening
     * the pipe for writing here returns only once the child has opened it for reading, so its JVM is up).
     */
    @Test
    void ctrlCBeforeAnyOutputSaysNothingWasWritten() throws Exception {
        Path fifo = tmp.resolve("recipe.yml");
        assumeTrue(succeeds("mkfifo", fifo.toString()), "mkfifo is not available");
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("merge", fifo.toString(), parent.resolve("merged").toString()));
        Child c = start(defaultSigint(cmd));
        var opener = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fifo-opener");
            t.setDaemon(true);
            return t;
        });
        try {
            var writer = opener.submit(() -> new java.io.FileOutputStream(fifo.toFile()))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            try (writer) {
                assertThat(succeeds("kill", "-INT", String.valueOf(c.process().pid()))).isTrue();
                assertThat(c.exit()).as(c.err()).isEqualTo(130);
            }
        } finally {
            opener.shutdownNow();
            c.process().destroyForcibly();
        }
        assertThat(c.err()).contains("error: interrupted (Ctrl-C or a termination signal); nothing had been written.");
        noStackTrace(c.err());
        assertThat(outputs()).isEmpty();
    }

    @Test
    void aFileSizeLimitHitMidWriteIsExitCode4() throws Exception {
        Path out = Files.createDirectories(parent.resolve("merged"));
        Files.writeString(out.resolve("model.safetensors"), "the previous merge");
        // the merged shard is 723 KB; the limit lets the first ~200 KB through
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "ulimit -f 200 && exec \"$@\"", "sh"));
        cmd.addAll(java());
        cmd.addAll(List.of("merge", recipe.toString(), out.toString(), "--force"));
        Child c = start(cmd);
        assertThat(c.exit()).as(c.err()).isEqualTo(4);
        String err = c.err();
        assertThat(err).contains("error: cannot write " + parent.resolve(".merged.amalgam-partial-"))
                .contains("model.safetensors: File too large (a file-size limit was reached");
        noStackTrace(err);
        assertThat(outputs()).containsExactly("merged");
        assertThat(out.resolve("model.safetensors")).hasContent("the previous merge");
    }

    /** A real full disk: a 300 KB tmpfs in a private mount namespace, where unshare and mount are permitted. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void aFullDiskMidWriteIsExitCode4AndFreesTheSpace() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("small-disk"));
        String probe = "mount -t tmpfs -o size=64k tmpfs \"$0\"";
        List<String> unshare = succeeds("unshare", "-m", "sh", "-c", probe, mnt.toString()) ? List.of("unshare", "-m")
                : succeeds("unshare", "-r", "-m", "sh", "-c", probe, mnt.toString()) ? List.of("unshare", "-r", "-m")
                : null;
        assumeTrue(unshare != null, "this system does not allow mounting a tmpfs in a private namespace");
        String script = "mount -t tmpfs -o size=300k tmpfs \"$0\" || exit 99\n"
                + "mkdir \"$0/merged\" && echo 'the previous merge' > \"$0/merged/model.safetensors\" || exit 98\n"
                + "\"$@\"; rc=$?\n"
                + "{ ls -A \"$0\"; ls -A \"$0/merged\"; cat \"$0/merged/model.safetensors\"; df -k \"$0\" | tail -n 1; }"
                + " > \"$0.after\"\n"
                + "exit $rc";
        List<String> cmd = new ArrayList<>(unshare);
        cmd.addAll(List.of("sh", "-c", script, mnt.toString()));
        cmd.addAll(java());
        cmd.addAll(List.of("merge", recipe.toString(), mnt.resolve("merged").toString(), "--force"));
        Child c = start(cmd);
        assertThat(c.exit()).as(c.err()).isEqualTo(4);
        String err = c.err();
        assertThat(err).contains("error: cannot write " + mnt.resolve(".merged.amalgam-partial-"))
                .contains("No space left on device (the disk is full: free some space or choose an output folder"
                        + " on another disk)");
        noStackTrace(err);
        List<String> after = Files.readAllLines(Path.of(mnt + ".after"));
        // the tmpfs holds only the old output, unchanged, and the failed merge's bytes were freed again
        assertThat(after.subList(0, 3)).containsExactly("merged", "model.safetensors", "the previous merge");
        String[] df = after.get(3).trim().split("\\s+");
        assertThat(Long.parseLong(df[2])).as("KB used on the tmpfs: " + after.get(3)).isLessThanOrEqualTo(8);
    }
}
