package dev.amalgam.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.amalgam.merge.ResolvedParams;
import dev.amalgam.plan.TensorJob;
import dev.amalgam.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardLayoutTest {
    private static TensorJob job(String name, long floats) {
        return new TensorJob(name, List.of(), -1, ResolvedParams.EMPTY, new long[]{floats}, DType.F32, false, false);
    }

    @Test
    void greedySplitWithOversizedTensorAlone() {
        // sizes in bytes: 40, 40, 400, 20, 20 with a 100-byte limit
        var layout = ShardLayout.of(List.of(job("a", 10), job("b", 10), job("c", 100), job("d", 5), job("e", 5)), 100);
        assertThat(layout.shards()).extracting(ShardLayout.Shard::fileName).containsExactly(
                "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors");
        assertThat(layout.shards().get(0).jobs()).extracting(TensorJob::outputName).containsExactly("a", "b");
        assertThat(layout.shards().get(1).jobs()).extracting(TensorJob::outputName).containsExactly("c");
        assertThat(layout.shards().get(2).jobs()).extracting(TensorJob::outputName).containsExactly("d", "e");
    }

    @Test
    void exactFitStaysInOneShardAndZeroMeansNoLimit() {
        var fit = ShardLayout.of(List.of(job("a", 10), job("b", 15)), 100);
        assertThat(fit.shards()).singleElement().extracting(ShardLayout.Shard::fileName).isEqualTo("model.safetensors");
        var unlimited = ShardLayout.of(List.of(job("a", 1000), job("b", 1000)), 0);
        assertThat(unlimited.shards()).hasSize(1);
    }
}
