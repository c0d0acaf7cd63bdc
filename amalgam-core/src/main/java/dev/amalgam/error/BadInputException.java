package dev.amalgam.error;

/** A model, shard or index file whose contents are invalid: exit code 3. */
public final class BadInputException extends AmalgamException {
    public BadInputException(String message) {
        super(message, null);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 3;
    }
}
