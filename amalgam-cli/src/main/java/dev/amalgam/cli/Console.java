package dev.amalgam.cli;

import java.io.PrintWriter;

/** Where the CLI writes: results to standard output, warnings and progress to standard error. */
final class Console {
    final PrintWriter out;
    final PrintWriter err;
    final boolean quiet;

    Console(PrintWriter out, PrintWriter err, boolean quiet) {
        this.out = out;
        this.err = err;
        this.quiet = quiet;
    }

    void warn(String message) {
        if (!quiet) {
            err.println("warning: " + message.replace("\n", "\n  "));
            err.flush();
        }
    }

    void note(String message) {
        if (!quiet) {
            err.println(message);
            err.flush();
        }
    }

    /** True when standard error is an interactive terminal (then a progress bar is drawn). */
    static boolean interactive() {
        return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }
}
