package dev.amalgam.cli;

import dev.amalgam.exec.MergeProgress;
import dev.amalgam.plan.TensorJob;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Merge progress for the user: a progress bar (bytes written, rate, ETA, tensors done) when standard error is a
 * terminal, plain log lines every 10% otherwise (CI logs, redirected output).
 */
abstract class ProgressReporter implements MergeProgress, AutoCloseable {

    static ProgressReporter create(Console console, boolean quiet) {
        if (quiet) {
            return new Silent();
        }
        return Console.interactive() ? new Bar() : new Lines(console);
    }

    @Override
    public void close() {
    }

    private static final class Silent extends ProgressReporter {
    }

    /** Progress bar drawn by me.tongfei:progressbar (a maintained library; handles terminal width and ETA). */
    private static final class Bar extends ProgressReporter {
        private ProgressBar bar;
        private int tensors;
        private int done;
        private long bytesDone;
        private long total;

        @Override
        public synchronized void started(int tensors, long bytes) {
            this.tensors = tensors;
            this.total = Math.max(1, bytes);
            boolean large = bytes >= 10_000_000;
            bar = new ProgressBarBuilder()
                    .setTaskName("Merging")
                    .setInitialMax(total)
                    .setUnit(large ? " MB" : " kB", large ? 1_000_000 : 1_000)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setMaxRenderedLength(120)
                    .build();
            bar.setExtraMessage(" 0/" + tensors + " tensors");
        }

        @Override
        public synchronized void tensorDone(TensorJob job) {
            done++;
            bytesDone += job.outputBytes();
            bar.stepTo(bytesDone);
            bar.setExtraMessage(" " + done + "/" + tensors + " tensors");
        }

        @Override
        public synchronized void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }

    /** Plain lines for logs. */
    private static final class Lines extends ProgressReporter {
        private final Console console;
        private long total;
        private long written;
        private int tensors;
        private int done;
        private int nextDecile = 1;
        private long startNanos;

        Lines(Console console) {
            this.console = console;
        }

        @Override
        public synchronized void started(int tensors, long bytes) {
            this.tensors = tensors;
            this.total = Math.max(1, bytes);
            this.startNanos = System.nanoTime();
        }

        @Override
        public synchronized void tensorDone(TensorJob job) {
            done++;
            written += job.outputBytes();
            double secs = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
            while (nextDecile <= 10 && written * 10 >= total * nextDecile) {
                if (secs < 2) {
                    // short merges need no progress log; only the final summary line
                    nextDecile++;
                    continue;
                }
                double rate = written / secs;
                long eta = rate > 0 ? (long) ((total - written) / rate) : 0;
                console.note(String.format(Locale.ROOT, "progress: %3d%%  %d/%d tensors  %s  %s/s  ETA %s",
                        nextDecile * 10, done, tensors, Units.bytes(written), Units.bytes((long) rate),
                        format(Duration.ofSeconds(eta))));
                nextDecile++;
            }
        }

        private static String format(Duration d) {
            return d.toHours() > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                    : String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
        }
    }
}
