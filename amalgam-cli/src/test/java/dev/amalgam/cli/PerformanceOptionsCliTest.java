package dev.amalgam.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --memory-limit, -j and the kernel report of merge -v and inspect. */
class PerformanceOptionsCliTest {
    @TempDir
    Path tmp;

    private Path recipe() throws Exception {
        Path golden = TestResources.golden();
        String text = Files.readString(golden.resolve("configs/linear_bf16_sharded.yml"))
                .replace("./models/", golden.resolve("models") + "/");
        Path p = tmp.resolve("r.yml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void verboseMergeNamesTheKernelsAndTheMemoryLimit() throws Exception {
        Path out = tmp.resolve("out");
        CliTest.Run r = CliTest.run("merge", recipe().toString(), out.toString(), "-v", "-j", "3",
                "--memory-limit", "2GiB");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).containsOnlyOnce("kernels: vector (jdk.incubator.vector")
                .contains("memory limit: 2.1 GB");
        var cmp = GoldenComparator.compare(TestResources.golden().resolve("out/linear_bf16_sharded"), out);
        assertThat(cmp.ok()).as(cmp.report()).isTrue();
    }

    @Test
    void aTooSmallMemoryLimitIsAUsageErrorBeforeAnyWork() throws Exception {
        Path out = tmp.resolve("out");
        CliTest.Run r = CliTest.run("merge", recipe().toString(), out.toString(), "--memory-limit", "100");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--memory-limit 100 is too small").doesNotContain("Exception");
        assertThat(out).doesNotExist();
        CliTest.Run bad = CliTest.run("merge", recipe().toString(), out.toString(), "--memory-limit", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("invalid size 'lots'");
    }

    @Test
    void inspectNamesTheKernels() {
        CliTest.Run r = CliTest.run("inspect", "--summary", TestResources.golden().resolve("models/base").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsOnlyOnce("kernels:      vector (jdk.incubator.vector");
    }
}
