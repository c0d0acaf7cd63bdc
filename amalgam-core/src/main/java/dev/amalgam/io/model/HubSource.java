package dev.amalgam.io.model;

import java.nio.file.Path;

/**
 * Where {@link ModelLocator} gets models that are neither local folders nor complete in the cache: the Hugging
 * Face Hub (implemented in {@code io.hub}). Kept as an interface so the locator works, and is tested, without
 * any network code.
 */
public interface HubSource {
    /**
     * Opens a Hub model for planning: config.json, the shard index and every shard header, without downloading
     * the weights (they are fetched once the whole recipe has been validated).
     */
    ModelFolder open(String repoId, String revision, String what);

    /** Downloads a whole (small) repository, such as a LoRA adapter, and returns its snapshot folder. */
    Path download(String repoId, String revision, String what);
}
