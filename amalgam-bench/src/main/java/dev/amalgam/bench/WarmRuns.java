package dev.amalgam.bench;

import dev.amalgam.cli.Main;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Runs one {@code amalgam merge} several times in a single JVM, the page cache settled before each run as the
 * end-to-end benchmark settles it before each round. The first run pays what every {@code amalgam merge} process
 * pays on top of the merge itself: loading and initializing classes, and the JIT compiling the hot code while it
 * runs. The later runs find all of that done, so they time the merge alone. {@link EndToEnd} runs this in a child
 * JVM with the launcher's options after its rounds: a cold process's wall time minus a warm run's is what starting
 * a new JVM for every merge costs, which no change to the merge itself can remove.
 *
 * <pre>
 * WarmRuns RUNS THREADS INPUT_FILE,INPUT_FILE,... merge CONFIG OUT_PATH [merge options]
 * </pre>
 *
 * <p>Prints one line per run, then {@code warm runs: S S S} with each run's seconds, which {@link EndToEnd} reads.
 */
public final class WarmRuns {
    static final String RESULT_PREFIX = "warm runs:";

    private WarmRuns() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || !args[3].equals("merge")) {
            System.err.println("usage: WarmRuns RUNS THREADS INPUT_FILE,... merge CONFIG OUT_PATH [merge options]");
            System.exit(2);
        }
        int runs = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        List<Path> inputs = Arrays.stream(args[2].split(",")).map(Path::of).toList();
        String[] merge = Arrays.copyOfRange(args, 3, args.length);
        Path out = Path.of(merge[2]);
        long[] sink = new long[1];
        List<String> seconds = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            EndToEnd.deleteTree(out);
            EndToEnd.settle(inputs, threads, sink);
            long t0 = System.nanoTime();
            int rc = Main.run(merge);
            double s = (System.nanoTime() - t0) / 1e9;
            if (rc != 0) {
                System.out.println("run " + r + ": amalgam merge exited with " + rc);
                System.exit(1);
            }
            System.out.printf(Locale.ROOT, "run %d (%s): %.3f s%n", r, r == 1 ? "first in this JVM" : "warm", s);
            seconds.add(String.format(Locale.ROOT, "%.3f", s));
        }
        EndToEnd.deleteTree(out);
        System.out.println(RESULT_PREFIX + " " + String.join(" ", seconds));
        System.exit(0);
    }
}
