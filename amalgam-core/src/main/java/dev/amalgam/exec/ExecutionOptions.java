package dev.amalgam.exec;

/**
 * How to run a plan.
 *
 * @param threads        worker threads (at least 1)
 * @param maxShardBytes  output shard size limit in bytes; 0 or less never splits
 * @param copyTokenizer  copy the donor's tokenizer files
 * @param writeModelCard write README.md and mergekit_config.yml
 * @param force          replace an existing output folder
 */
public record ExecutionOptions(int threads, long maxShardBytes, boolean copyTokenizer, boolean writeModelCard,
                               boolean force) {
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    public static ExecutionOptions defaults() {
        return new ExecutionOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_SHARD_BYTES, true, true, false);
    }
}
