package dev.amalgam.config;

/**
 * A position in a recipe file, carried by every parsed element so that errors found later (by the planner or a merge
 * method) can still point the user at the offending line.
 *
 * @param file   the label of the recipe (usually its path)
 * @param line   1-based line
 * @param column 1-based column
 */
public record YamlLocation(String file, int line, int column) {

    /** The conventional {@code file:line:column} form that editors and terminals turn into links. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
