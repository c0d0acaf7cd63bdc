package dev.amalgam.exec;

import dev.amalgam.plan.TensorJob;
import java.util.Comparator;
import java.util.List;

/**
 * The order tensors are merged in: by where their first input lies on disk (shard file, then byte offset), so
 * the inputs are read front to back, shard after shard, as the disk and the kernel's read-ahead like best
 * (mergekit orders by tensor name, which can jump between shards; compat.md §5). The order changes only timing:
 * every tensor is written at a position fixed by the plan, so the output bytes are the same in any order.
 */
final class JobOrder {
    private JobOrder() {
    }

    static List<TensorJob> byInputLocality(List<TensorJob> jobs) {
        return jobs.stream()
                .sorted(Comparator.comparing((TensorJob j) -> j.inputs().get(0).location().shard().toString())
                        .thenComparingLong(j -> j.inputs().get(0).location().info().begin()))
                .toList();
    }
}
