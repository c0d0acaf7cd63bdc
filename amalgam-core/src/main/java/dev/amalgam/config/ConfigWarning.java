package dev.amalgam.config;

/**
 * Something in a recipe that is accepted but probably not what the author meant (an unknown key, a setting mergekit
 * ignores). Warnings never stop a merge; the CLI prints them before starting.
 *
 * @param yamlPath where in the recipe, e.g. {@code models[1].parameters.weight}
 * @param location file, line and column
 * @param message  what is wrong and what happens instead
 */
public record ConfigWarning(String yamlPath, YamlLocation location, String message) {

    @Override
    public String toString() {
        return yamlPath == null || yamlPath.isEmpty()
                ? location + ": " + message
                : location + ": " + yamlPath + ": " + message;
    }
}
