package dev.amalgam.io.hub;

/**
 * Progress of downloads and uploads, per file and overall. Called from worker threads, so implementations must be
 * thread-safe. {@code bytes} calls carry deltas; a resumed transfer does not repeat the bytes it already had.
 */
public interface TransferListener {
    TransferListener NONE = new TransferListener() {
    };

    /** A batch begins: {@code files} files of {@code totalBytes} bytes in all (those already cached excluded). */
    default void batchStarted(int files, long totalBytes) {
    }

    default void fileStarted(String name, long size) {
    }

    default void bytes(String name, long delta) {
    }

    /** A file is complete (downloaded and verified, or uploaded). */
    default void fileFinished(String name, long size) {
    }

    default void batchFinished() {
    }
}
