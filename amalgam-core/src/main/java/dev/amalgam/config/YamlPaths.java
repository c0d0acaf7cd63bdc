package dev.amalgam.config;

import java.util.regex.Pattern;

/** Builds the dotted paths used in messages: {@code models[1].parameters.weight}, {@code modules["a.b"].slices}. */
final class YamlPaths {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_\\-]+");

    private YamlPaths() {
    }

    static String key(String parent, String key) {
        if (!PLAIN.matcher(key).matches()) {
            String quoted = "[\"" + key.replace("\"", "\\\"") + "\"]";
            return parent.isEmpty() ? quoted : parent + quoted;
        }
        return parent.isEmpty() ? key : parent + "." + key;
    }

    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }
}
