package dev.amalgam.testing;

import dev.amalgam.config.ConfigParser;
import dev.amalgam.exec.ExecutionOptions;
import dev.amalgam.exec.MergeExecutor;
import dev.amalgam.exec.MergeProgress;
import dev.amalgam.io.model.HfCache;
import dev.amalgam.io.model.ModelLocator;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.PlanOptions;
import dev.amalgam.plan.Planner;
import dev.amalgam.tensor.Conversions;
import dev.amalgam.io.model.TensorLocation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs recipes through the library the way the CLI does, for tests. */
public final class TestMerges {
    private TestMerges() {
    }

    public static MergePlan plan(String yaml, Path workDir) {
        return plan(yaml, workDir, 42);
    }

    public static MergePlan plan(String yaml, Path workDir, long seed) {
        var cfg = ConfigParser.parse(yaml, "test.yml");
        var locator = new ModelLocator(workDir, workDir, new HfCache(workDir.resolve("no-hf-cache")));
        return Planner.plan(cfg, new PlanOptions(locator, false, seed));
    }

    /** Merges {@code yaml} (model paths relative to {@code workDir}) into {@code out}; returns the warnings. */
    public static List<String> merge(String yaml, Path workDir, Path out, int threads, long shardBytes) {
        return merge(yaml, workDir, out, threads, shardBytes, 42);
    }

    /** As {@link #merge(String, Path, Path, int, long)}, with the random seed of random methods. */
    public static List<String> merge(String yaml, Path workDir, Path out, int threads, long shardBytes, long seed) {
        List<String> warnings = new ArrayList<>();
        try (MergePlan plan = plan(yaml, workDir, seed)) {
            warnings.addAll(plan.warnings());
            MergeExecutor.run(plan, out, new ExecutionOptions(threads, shardBytes, true, true, false),
                    MergeProgress.NONE, warnings::add);
        }
        return warnings;
    }

    public static List<String> merge(String yaml, Path workDir, Path out) {
        return merge(yaml, workDir, out, 2, ExecutionOptions.DEFAULT_SHARD_BYTES);
    }

    /** All values of one tensor of a model folder, as float32. */
    public static float[] read(Path modelDir, String tensor) {
        try (ModelFolder m = ModelFolder.open(modelDir)) {
            TensorLocation t = m.tensor(tensor).orElseThrow(() -> new AssertionError("no tensor " + tensor));
            float[] v = new float[(int) t.info().numel()];
            Conversions.toFloat(t.info().dtype(), m.bytes(t), 0, v, 0, v.length);
            return v;
        }
    }
}
