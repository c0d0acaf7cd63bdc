package dev.amalgam.error;

/** Reading or writing failed at the operating-system level (disk full, permission denied, ...): exit code 4. */
public final class IoFailureException extends AmalgamException {
    public IoFailureException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 4;
    }
}
