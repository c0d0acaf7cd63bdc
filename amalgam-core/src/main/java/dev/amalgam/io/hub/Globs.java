package dev.amalgam.io.hub;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Shell-style patterns for {@code --include}/{@code --exclude}, with Python's {@code fnmatch} meaning that
 * huggingface_hub's allow/ignore patterns have: {@code *} matches any run of characters including {@code /},
 * {@code ?} one character, {@code [...]} a set; a pattern ending in {@code /} matches everything below it.
 */
public final class Globs {
    private Globs() {
    }

    public static boolean matches(String name, String pattern) {
        String p = pattern.endsWith("/") ? pattern + "*" : pattern;
        return toRegex(p).matcher(name).matches();
    }

    public static boolean matchesAny(String name, List<String> patterns) {
        for (String p : patterns) {
            if (matches(name, p)) {
                return true;
            }
        }
        return false;
    }

    static Pattern toRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        sb.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, end);
                        if (set.startsWith("!")) {
                            set = "^" + set.substring(1);
                        }
                        sb.append('[').append(set.replace("\\", "\\\\")).append(']');
                        i = end;
                    }
                }
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }
}
