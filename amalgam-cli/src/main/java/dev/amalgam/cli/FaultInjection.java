package dev.amalgam.cli;

import dev.amalgam.error.IoFailureException;
import dev.amalgam.exec.MergeProgress;
import dev.amalgam.plan.TensorJob;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test support: lets a test stop or break a real {@code amalgam merge} process at a chosen point, so that the
 * behaviour on Ctrl-C, SIGTERM and write failures can be checked end to end (docs/errors.md). Enabled only by the
 * JVM system property {@code amalgam.faultInjection}, which no user sets by accident:
 *
 * <ul>
 *   <li>{@code pause-after:N} — after N tensors have been written to the temporary output, print
 *       {@code amalgam: paused} on standard error and wait forever (the test then sends a signal);</li>
 *   <li>{@code fail-after:N} — after N tensors, fail as a write would ({@link IoFailureException}).</li>
 * </ul>
 */
final class FaultInjection {
    static final String PROPERTY = "amalgam.faultInjection";

    private FaultInjection() {
    }

    static MergeProgress wrap(MergeProgress progress) {
        String spec = System.getProperty(PROPERTY);
        if (spec == null || spec.isBlank()) {
            return progress;
        }
        String[] parts = spec.split(":", 2);
        int after;
        try {
            after = Integer.parseInt(parts.length == 2 ? parts[1].trim() : "");
        } catch (NumberFormatException e) {
            throw new dev.amalgam.error.ConfigException("-D" + PROPERTY + "=" + spec + ": expected pause-after:N or"
                    + " fail-after:N");
        }
        boolean pause = switch (parts[0].trim()) {
            case "pause-after" -> true;
            case "fail-after" -> false;
            default -> throw new dev.amalgam.error.ConfigException("-D" + PROPERTY + "=" + spec
                    + ": expected pause-after:N or fail-after:N");
        };
        AtomicInteger done = new AtomicInteger();
        return new MergeProgress() {
            @Override
            public void started(int tensors, long bytesToWrite) {
                progress.started(tensors, bytesToWrite);
            }

            @Override
            public void tensorDone(TensorJob job) {
                progress.tensorDone(job);
                if (done.incrementAndGet() < after) {
                    return;
                }
                if (!pause) {
                    throw new IoFailureException("cannot write the output: injected write failure after " + after
                            + " tensor(s) (" + PROPERTY + ")", new IOException("injected"));
                }
                synchronized (FaultInjection.class) {
                    System.err.println("amalgam: paused");
                    System.err.flush();
                }
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void finished() {
                progress.finished();
            }
        };
    }
}
