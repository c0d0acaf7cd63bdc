package dev.amalgam.output;

import dev.amalgam.plan.TensorJob;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the output tensors into shards the way mergekit and huggingface_hub do (compat.md §4, formats.md §2.2):
 * greedily in tensor order, a new shard when the next tensor would push the current one past the limit; a tensor
 * larger than the limit gets a shard of its own; a limit of zero or less never splits. Shard names: a single
 * shard is {@code model.safetensors}; otherwise {@code model-00001-of-0000N.safetensors}.
 */
public record ShardLayout(List<Shard> shards) {

    public record Shard(String fileName, List<TensorJob> jobs) {
        public long bytes() {
            return jobs.stream().mapToLong(TensorJob::outputBytes).sum();
        }
    }

    public static ShardLayout of(List<TensorJob> jobs, long maxShardBytes) {
        List<List<TensorJob>> groups = new ArrayList<>();
        List<TensorJob> cur = new ArrayList<>();
        long curBytes = 0;
        for (TensorJob j : jobs) {
            long b = j.outputBytes();
            if (!cur.isEmpty() && maxShardBytes > 0 && curBytes + b > maxShardBytes) {
                groups.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(j);
            curBytes += b;
        }
        if (!cur.isEmpty() || groups.isEmpty()) {
            groups.add(cur);
        }
        List<Shard> shards = new ArrayList<>();
        int n = groups.size();
        for (int i = 0; i < n; i++) {
            String name = n == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, n);
            shards.add(new Shard(name, List.copyOf(groups.get(i))));
        }
        return new ShardLayout(List.copyOf(shards));
    }
}
