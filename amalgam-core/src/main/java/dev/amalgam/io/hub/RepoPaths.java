package dev.amalgam.io.hub;

import java.util.regex.Pattern;

/**
 * File names from the server are checked before they are joined to a local folder (formats.md §3,
 * _local_folder.py {@code _validate_relative_filename}): no {@code ..} segments, nothing absolute under POSIX or
 * Windows rules (leading slash or backslash, drive letters, UNC), no empty segments.
 */
final class RepoPaths {
    private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

    private RepoPaths() {
    }

    /** Why the name is unsafe, or null when it is a plain relative path. */
    static String problem(String name) {
        if (name.isEmpty()) {
            return "empty name";
        }
        if (name.startsWith("/") || name.startsWith("\\")) {
            return "absolute path";
        }
        if (DRIVE.matcher(name).matches()) {
            return "Windows drive path";
        }
        if (name.indexOf('\0') >= 0) {
            return "NUL character";
        }
        for (String seg : name.split("[/\\\\]", -1)) {
            if (seg.equals("..")) {
                return "'..' segment";
            }
            if (seg.isEmpty() || seg.equals(".")) {
                return "empty or '.' segment";
            }
        }
        return null;
    }

    static void check(String name, String what) {
        String p = problem(name);
        if (p != null) {
            throw new dev.amalgam.error.BadInputException("unsafe file name '" + name + "' in " + what + " (" + p
                    + "); refusing to write it into the cache");
        }
    }
}
