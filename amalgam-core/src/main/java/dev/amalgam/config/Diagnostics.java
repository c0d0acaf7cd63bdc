package dev.amalgam.config;

import dev.amalgam.error.ConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects every error and warning found in one recipe. The parser keeps going after an error so that the user
 * fixes all problems in one round instead of one per run; {@link #exception()} then reports them together.
 * Aliased YAML nodes are read once per use, so identical reports at the same place are kept once.
 */
final class Diagnostics {

    private record Problem(YamlLocation location, String path, String message) {
        String render() {
            return location + ": " + (path == null || path.isEmpty() ? "" : path + ": ") + message;
        }
    }

    private final String file;
    private final List<Problem> errors = new ArrayList<>();
    private final List<ConfigWarning> warnings = new ArrayList<>();
    private final Set<String> seen = new LinkedHashSet<>();

    Diagnostics(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    /** The start of the file, for problems that have no better place (empty file, missing top-level key). */
    YamlLocation start() {
        return new YamlLocation(file, 1, 1);
    }

    void error(YamlLocation location, String path, String message) {
        if (seen.add("E" + location + "\0" + message)) {
            errors.add(new Problem(location, path, message));
        }
    }

    void warn(YamlLocation location, String path, String message) {
        if (seen.add("W" + location + "\0" + message)) {
            warnings.add(new ConfigWarning(path, location, message));
        }
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    /** Warnings in file order (the top level is checked before nested parts, so discovery order is not). */
    List<ConfigWarning> warnings() {
        return warnings.stream()
                .sorted(Comparator.comparingInt((ConfigWarning w) -> w.location().line())
                        .thenComparingInt(w -> w.location().column()))
                .toList();
    }

    /** All errors, one per line, in file order ({@code file:line:column: path: problem}). */
    ConfigException exception() {
        List<String> lines = errors.stream()
                .sorted(Comparator.comparingInt((Problem p) -> p.location().line())
                        .thenComparingInt(p -> p.location().column()))
                .map(Problem::render)
                .toList();
        return new ConfigException(String.join("\n", lines));
    }
}
