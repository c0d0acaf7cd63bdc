package dev.amalgam.cli;

import dev.amalgam.io.hub.TransferListener;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Download and upload progress as plain lines on standard error: one when a batch starts, one as each file
 * completes (with the overall share), and for large files a line at every quarter, so a log file shows what moved
 * without a terminal's redraws. Thread-safe: files are transferred in parallel.
 */
final class HubProgress implements TransferListener {
    private static final long BIG_FILE = 64L << 20;

    private final Console console;
    private final String verb;
    private final Map<String, long[]> files = new HashMap<>();
    private int count;
    private int finished;
    private long total;
    private long done;

    private HubProgress(Console console, String verb) {
        this.console = console;
        this.verb = verb;
    }

    static TransferListener create(Console console, String verb) {
        return console.quiet ? TransferListener.NONE : new HubProgress(console, verb);
    }

    @Override
    public synchronized void batchStarted(int n, long bytes) {
        count = n;
        finished = 0;
        total = bytes;
        done = 0;
        console.note(verb + " " + n + " file(s), " + Units.bytes(bytes) + (verb.startsWith("Up") ? " to" : " from")
                + " the Hugging Face Hub");
    }

    @Override
    public synchronized void fileStarted(String name, long size) {
        files.put(name, new long[]{size, 0, 0});
    }

    @Override
    public synchronized void bytes(String name, long delta) {
        done += delta;
        long[] f = files.get(name);
        if (f == null) {
            return;
        }
        f[1] += delta;
        if (f[0] >= BIG_FILE) {
            long quarter = f[1] * 4 / f[0];
            if (quarter > f[2] && quarter < 4) {
                f[2] = quarter;
                console.note(String.format(Locale.ROOT, "  %s: %d%% of %s (overall %s)", name, quarter * 25,
                        Units.bytes(f[0]), overall()));
            }
        }
    }

    @Override
    public synchronized void fileFinished(String name, long size) {
        finished++;
        files.remove(name);
        console.note(String.format(Locale.ROOT, "  [%d/%d] %s (%s) done, overall %s", finished, Math.max(count,
                finished), name, Units.bytes(size), overall()));
    }

    private String overall() {
        return total <= 0 ? "100%" : String.format(Locale.ROOT, "%.0f%%", 100.0 * Math.min(done, total) / total);
    }
}
