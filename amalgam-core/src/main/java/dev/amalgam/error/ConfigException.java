package dev.amalgam.error;

/** A problem with the recipe or the command line: exit code 2. */
public final class ConfigException extends AmalgamException {
    public ConfigException(String message) {
        super(message, null);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
