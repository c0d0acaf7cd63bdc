package dev.amalgam.exec;

/**
 * How to run a plan.
 *
 * @param threads        worker threads (at least 1)
 * @param maxShardBytes  output shard size limit in bytes; 0 or less never splits
 * @param copyTokenizer  copy the donor's tokenizer files
 * @param writeModelCard write README.md and mergekit_config.yml
 * @param force          replace an existing output folder
 * @param memoryLimit    bytes that tensors merged whole may hold at once ({@code --memory-limit}); see
 *                       {@link #defaultMemoryLimit()}
 * @param splitElements  element-wise tensors larger than this are split into ranges of about this many elements
 *                       that run on different threads
 */
public record ExecutionOptions(int threads, long maxShardBytes, boolean copyTokenizer, boolean writeModelCard,
                               boolean force, long memoryLimit, long splitElements) {
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;
    /** 4 Mi elements: 8 MB of bf16 output per part, large enough that a part's overhead is noise. */
    public static final long DEFAULT_SPLIT_ELEMENTS = 1L << 22;

    public ExecutionOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (memoryLimit <= 0) {
            throw new IllegalArgumentException("the memory limit must be positive, got " + memoryLimit);
        }
        if (splitElements < 1) {
            throw new IllegalArgumentException("splitElements must be positive, got " + splitElements);
        }
    }

    /** The options with the default memory limit and split size. */
    public ExecutionOptions(int threads, long maxShardBytes, boolean copyTokenizer, boolean writeModelCard,
                            boolean force) {
        this(threads, maxShardBytes, copyTokenizer, writeModelCard, force, defaultMemoryLimit(),
                DEFAULT_SPLIT_ELEMENTS);
    }

    public static ExecutionOptions defaults() {
        return new ExecutionOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_SHARD_BYTES, true, true, false);
    }

    public ExecutionOptions withMemoryLimit(long bytes) {
        return new ExecutionOptions(threads, maxShardBytes, copyTokenizer, writeModelCard, force, bytes, splitElements);
    }

    public ExecutionOptions withSplitElements(long elements) {
        return new ExecutionOptions(threads, maxShardBytes, copyTokenizer, writeModelCard, force, memoryLimit,
                elements);
    }

    /**
     * Half the machine's physical memory, but no more than 80% of the JVM's heap limit (whole-tensor methods hold
     * their float32 copies on the heap): the page cache keeps the other half for the memory-mapped inputs.
     */
    public static long defaultMemoryLimit() {
        long heap = Runtime.getRuntime().maxMemory();
        long physical = physicalMemory();
        long half = physical > 0 ? physical / 2 : heap;
        return Math.max(64L << 20, Math.min(half, heap / 10 * 8));
    }

    /** Bytes of physical memory, or 0 when the JVM cannot tell. */
    public static long physicalMemory() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
    }
}
