package dev.amalgam.error;

/** The merge was interrupted (Ctrl-C, SIGTERM): exit code 130. */
public final class InterruptedMergeException extends AmalgamException {
    public InterruptedMergeException(String message) {
        super(message, null);
    }

    @Override
    public int exitCode() {
        return 130;
    }
}
