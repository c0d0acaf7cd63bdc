package dev.amalgam.error;

/**
 * Base of every error Amalgam reports to a user. Each subtype maps to one process exit code, and the message is
 * written for the user: it names the file, tensor or YAML path at fault and, where it can, what to do about it.
 * The CLI prints {@link #getMessage()} without a stack trace unless {@code --debug} is given.
 */
public abstract sealed class AmalgamException extends RuntimeException
        permits ConfigException, BadInputException, IoFailureException, InterruptedMergeException {

    protected AmalgamException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Process exit code for this kind of failure (2 usage/recipe, 3 bad model data, 4 I/O, 130 interrupted). */
    public abstract int exitCode();
}
