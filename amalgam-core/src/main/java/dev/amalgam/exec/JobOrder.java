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

    /**
     * Moves the few tensors that each hold a large share of the work and run as one part (a whole-tensor method's
     * embedding and lm_head: a quarter of a small Llama each) to the front, largest first, keeping the rest in
     * {@code ordered}'s order. Started last, such a tensor runs alone on one core while the others idle (measured
     * with TIES: 17.5 s wall for 14 s of CPU on 2 cores); started first, the small tensors fill the other cores
     * around it. Timing only: the output bytes do not depend on the order.
     */
    static List<TensorJob> dominantFirst(List<TensorJob> ordered, int threads, long splitElements) {
        long total = 0;
        for (TensorJob j : ordered) {
            total += j.numel();
        }
        long dominant = Math.max(splitElements, total / (4L * Math.max(1, threads)));
        List<TensorJob> big = new java.util.ArrayList<>();
        List<TensorJob> rest = new java.util.ArrayList<>();
        for (TensorJob j : ordered) {
            (j.numel() >= dominant ? big : rest).add(j);
        }
        if (big.isEmpty()) {
            return ordered;
        }
        big.sort(Comparator.comparingLong(TensorJob::numel).reversed());
        big.addAll(rest);
        return big;
    }
}
