package dev.amalgam.io.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amalgam.config.ConfigParser;
import dev.amalgam.error.ConfigException;
import dev.amalgam.exec.ExecutionOptions;
import dev.amalgam.exec.MergeExecutor;
import dev.amalgam.exec.MergeProgress;
import dev.amalgam.io.model.ModelLocator;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.PlanOptions;
import dev.amalgam.plan.Planner;
import dev.amalgam.testing.FakeHub;
import dev.amalgam.testing.GoldenComparator;
import dev.amalgam.testing.TestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes that name Hub ids, merged end to end against the in-process Hub. */
class HubMergeTest {
    @TempDir
    Path tmp;
    FakeHub hub;
    HubTestSupport t;
    HubModels models;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        t = new HubTestSupport(hub, tmp);
        for (String m : List.of("ft_a", "ft_b", "ft_c", "ft_a_bf16_sharded", "ft_b_bf16")) {
            hub.addRepo("org/" + m, TestResources.golden().resolve("models").resolve(m));
        }
        models = t.models();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private MergePlan plan(String yaml) {
        var cfg = ConfigParser.parse(yaml, "hub.yml");
        var locator = new ModelLocator(tmp, tmp, t.http().settings().cache(), models);
        return Planner.plan(cfg, new PlanOptions(locator, false, 42));
    }

    private List<String> merge(MergePlan plan, Path out) {
        List<String> warnings = new ArrayList<>();
        models.fetchFor(plan);
        MergeExecutor.run(plan, out, new ExecutionOptions(2, ExecutionOptions.DEFAULT_SHARD_BYTES, true, true, false),
                MergeProgress.NONE, warnings::add);
        return warnings;
    }

    private static String golden(String name) throws Exception {
        return Files.readString(TestResources.golden().resolve("configs").resolve(name + ".yml"))
                .replace("./models/", "org/");
    }

    private Path snapshot(String repo) throws Exception {
        Path r = t.cacheRepo(repo);
        return r.resolve("snapshots").resolve(Files.readString(r.resolve("refs/main")));
    }

    @Test
    void aRecipeNamingHubIdsMergesToMergekitsResult() throws Exception {
        Path out = tmp.resolve("out");
        try (MergePlan plan = plan(golden("linear"))) {
            // Validation has read only configs and headers: no weights are in the cache yet.
            for (String m : List.of("org/ft_a", "org/ft_b", "org/ft_c")) {
                assertThat(snapshot(m).resolve("config.json")).exists();
                assertThat(snapshot(m).resolve("model.safetensors")).doesNotExist();
            }
            merge(plan, out);
        }
        var cmp = GoldenComparator.compare(TestResources.golden().resolve("out/linear"), out);
        assertThat(cmp.ok()).as(cmp.report()).isTrue();
        assertThat(out.resolve("tokenizer.json")).hasSameBinaryContentAs(
                TestResources.golden().resolve("models/ft_a/tokenizer.json"));
        assertThat(Files.readString(out.resolve("README.md")))
                .contains("base_model:\n- org/ft_a\n- org/ft_b\n- org/ft_c\n").contains("- amalgam\n- merge\n");
        // The Python tools would find the same files in the same places.
        assertThat(Files.isSymbolicLink(snapshot("org/ft_b").resolve("model.safetensors"))).isTrue();
    }

    @Test
    void shardedHubModelsMergeAndOnlyTheShardsTheMergeReadsAreDownloaded() throws Exception {
        Path out = tmp.resolve("out");
        try (MergePlan plan = plan(golden("linear_bf16_sharded"))) {
            merge(plan, out);
        }
        var cmp = GoldenComparator.compare(TestResources.golden().resolve("out/linear_bf16_sharded"), out);
        assertThat(cmp.ok()).as(cmp.report()).isTrue();

        // A passthrough of layer 0 only reads shard 1 (embeddings, layer 0) and shard 3 (norm, lm_head).
        Path cache2 = tmp.resolve("second");
        HubTestSupport t2 = new HubTestSupport(hub, cache2);
        models = t2.models();
        t = t2;
        String yaml = """
                slices:
                  - sources:
                      - model: org/ft_a_bf16_sharded
                        layer_range: [0, 1]
                merge_method: passthrough
                """;
        try (MergePlan plan = plan(yaml)) {
            merge(plan, tmp.resolve("out2"));
        }
        Path snap = snapshot("org/ft_a_bf16_sharded");
        assertThat(snap.resolve("model-00001-of-00003.safetensors")).exists();
        assertThat(snap.resolve("model-00003-of-00003.safetensors")).exists();
        assertThat(snap.resolve("model-00002-of-00003.safetensors")).doesNotExist();
        assertThat(snap.resolve("tokenizer_config.json")).exists();
    }

    @Test
    void aLoraAdapterFromTheHubIsAppliedAsALocalOneWould() throws Exception {
        Path local = tmp.resolve("local");
        dev.amalgam.testing.TinyModel.llama(2).fill((name, i) -> 0.25f + i * 0.001f).write(local.resolve("base"));
        new dev.amalgam.testing.TinyAdapter()
                .tensor("model.layers.0.self_attn.o_proj.lora_A.weight", dev.amalgam.testing.TinyAdapter.ramp(8, 0.2f), 2, 4)
                .tensor("model.layers.0.self_attn.o_proj.lora_B.weight", dev.amalgam.testing.TinyAdapter.ramp(8, 0.3f), 4, 2)
                .write(local.resolve("lora"));
        Files.writeString(local.resolve("lora/adapter_model.bin"), "a pickle that must never be fetched");
        hub.addRepo("org/tiny", local.resolve("base"));
        hub.addRepo("org/tiny-lora", local.resolve("lora"));

        dev.amalgam.testing.TestMerges.merge("merge_method: passthrough\nmodels:\n  - model: base+lora\n", local,
                tmp.resolve("expected"));
        try (MergePlan plan = plan("merge_method: passthrough\nmodels:\n  - model: org/tiny+org/tiny-lora\n")) {
            merge(plan, tmp.resolve("actual"));
        }
        assertThat(tmp.resolve("actual/model.safetensors")).hasSameBinaryContentAs(tmp.resolve("expected/model.safetensors"));
        assertThat(snapshot("org/tiny-lora").resolve("adapter_model.safetensors")).exists();
        assertThat(snapshot("org/tiny-lora").resolve("adapter_model.bin")).doesNotExist();
    }

    @Test
    void aBadRecipeFailsBeforeAnyWeightIsDownloaded() throws Exception {
        String yaml = """
                slices:
                  - sources:
                      - model: org/ft_a
                        layer_range: [0, 9]
                merge_method: passthrough
                """;
        assertThatThrownBy(() -> plan(yaml).close()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("layer_range").hasMessageContaining("org/ft_a");
        assertThat(snapshot("org/ft_a").resolve("model.safetensors")).doesNotExist();
        assertThat(hub.requestsTo(r -> r.server().equals("cdn") && r.range() == null)).isEmpty();
    }

    @Test
    void aMergeRerunFromACompleteCacheNeedsOnlyTheRevisionLookup() throws Exception {
        try (MergePlan plan = plan(golden("linear"))) {
            merge(plan, tmp.resolve("out"));
        }
        hub.clearLog();
        try (MergePlan plan = plan(golden("linear"))) {
            merge(plan, tmp.resolve("out2"));
        }
        assertThat(hub.requests()).hasSize(3).allMatch(r -> r.path().startsWith("/api/models/org/ft_"));
    }
}
