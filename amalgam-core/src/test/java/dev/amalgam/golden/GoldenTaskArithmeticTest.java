package dev.amalgam.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.testing.GoldenCase;
import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.GoldenComparator.Mode;
import dev.amalgam.testing.TestMerges;
import dev.amalgam.testing.TestResources;
import dev.amalgam.io.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The task-arithmetic family and sce against mergekit's outputs for the golden tiny models, in the mode the
 * golden README gives each case: float32 close (1e-5 + 1e-4·|x|) for the deterministic methods, statistics only
 * for the random ones (DARE and DELLA masks cannot match torch's generator; their properties are tested in
 * {@code TaskArithmeticPropertyTest}).
 */
class GoldenTaskArithmeticTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({"task_arithmetic, CLOSE", "ties, CLOSE", "breadcrumbs, CLOSE", "sce, CLOSE", "dare_ties, STAT",
            "della, STAT"})
    void matchesMergekit(String name, Mode mode) throws Exception {
        GoldenCase.mergeAndCompare(name, mode, tmp);
    }

    /**
     * A stronger check for the random methods than stat mode: on every tensor of at least 4096 elements the
     * fraction of elements that moved away from the base, and the L1 norm of the merged task vector, agree with
     * mergekit's within 0.05 (absolute fraction) and 5% (relative norm). Two of our own seeds differ from each
     * other by about as much as we differ from mergekit (≈0.02 and ≈0.015 at worst).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dare_ties", "della"})
    void randomMethodsMoveAsManyElementsAsFarAsMergekit(String name) throws Exception {
        Path golden = TestResources.golden();
        Path out = tmp.resolve(name);
        TestMerges.merge(Files.readString(golden.resolve("configs/" + name + ".yml")), golden, out);
        Path expected = golden.resolve("out/" + name);
        List<String> tensors;
        try (ModelFolder m = ModelFolder.open(expected)) {
            tensors = m.tensors().keySet().stream().sorted().toList();
        }
        int checked = 0;
        for (String t : tensors) {
            float[] b = TestMerges.read(golden.resolve("models/base"), t);
            if (b.length < 4096) {
                continue;
            }
            float[] e = TestMerges.read(expected, t);
            float[] a = TestMerges.read(out, t);
            double movedE = 0;
            double movedA = 0;
            double l1E = 0;
            double l1A = 0;
            for (int i = 0; i < b.length; i++) {
                movedE += e[i] != b[i] ? 1 : 0;
                movedA += a[i] != b[i] ? 1 : 0;
                l1E += Math.abs((double) e[i] - b[i]);
                l1A += Math.abs((double) a[i] - b[i]);
            }
            String what = String.format(Locale.ROOT, "%s: moved %.4f vs mergekit %.4f, L1 %.4g vs %.4g", t,
                    movedA / b.length, movedE / b.length, l1A, l1E);
            assertThat(Math.abs(movedA - movedE) / b.length).as(what).isLessThan(0.05);
            assertThat(Math.abs(l1A / l1E - 1)).as(what).isLessThan(0.05);
            checked++;
        }
        assertThat(checked).isGreaterThan(20);
    }
}
