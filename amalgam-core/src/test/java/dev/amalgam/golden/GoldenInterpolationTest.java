package dev.amalgam.golden;

import dev.amalgam.testing.GoldenCase;
import dev.amalgam.testing.GoldenComparator;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The golden cases of the interpolation and geometric methods: mergekit's outputs for the tiny float32 models,
 * matched within the golden README's tolerances (|ours − mergekit| ≤ 1e-5 + 1e-4·|mergekit|). arcee_fusion is
 * compared in loose mode (at most 1% of elements beyond that tolerance), because whether an element is kept hinges
 * on the last bits of a float32 KL value, which we compute in float64.
 */
class GoldenInterpolationTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"slerp, CLOSE", "nuslerp, CLOSE", "multislerp, CLOSE", "karcher, CLOSE", "model_stock, CLOSE",
            "arcee_fusion, LOOSE"})
    void matchesMergekit(String name, GoldenComparator.Mode mode) throws Exception {
        GoldenCase.mergeAndCompare(name, mode, tmp);
    }
}
