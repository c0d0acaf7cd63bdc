package dev.amalgam.exec;

import dev.amalgam.plan.TensorJob;

/** Progress of a running merge, reported per finished tensor (from worker threads). */
public interface MergeProgress {
    MergeProgress NONE = new MergeProgress() {
    };

    default void started(int tensors, long bytesToWrite) {
    }

    default void tensorDone(TensorJob job) {
    }

    default void finished() {
    }
}
