package dev.amalgam.io.hub;

import java.time.Duration;

/**
 * How often and how long to wait before retrying a request that failed transiently (a dropped connection, 429,
 * 5xx). Waits double from {@code initialWait} up to {@code maxWait}; a server's {@code Retry-After} replaces the
 * computed wait (capped at {@code maxRetryAfter}, so a hostile value cannot stall a merge for hours). The sleeper
 * is injectable so tests run without real waits.
 *
 * @param attempts    total tries per request, the first included
 * @param idleTimeout a download that receives no byte for this long is treated as a dropped connection and
 *                    resumed (the JDK client has no read timeout for streamed bodies)
 */
public record RetryPolicy(int attempts, Duration initialWait, Duration maxWait, Duration maxRetryAfter,
                          Duration idleTimeout, Sleeper sleeper) {
    /** Waits for a duration; tests substitute one that records the waits. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public static RetryPolicy standard() {
        return new RetryPolicy(6, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofMinutes(2), d -> Thread.sleep(d.toMillis()));
    }

    /**
     * {@link #standard()} with the idle timeout taken from huggingface_hub's {@code HF_HUB_DOWNLOAD_TIMEOUT}
     * (seconds) when set; a value that is not a positive number is ignored.
     */
    public static RetryPolicy fromEnvironment(java.util.Map<String, String> env) {
        RetryPolicy p = standard();
        String v = env.get("HF_HUB_DOWNLOAD_TIMEOUT");
        try {
            double secs = v == null ? -1 : Double.parseDouble(v.trim());
            if (secs > 0) {
                return new RetryPolicy(p.attempts(), p.initialWait(), p.maxWait(), p.maxRetryAfter(),
                        Duration.ofMillis((long) (secs * 1000)), p.sleeper());
            }
        } catch (NumberFormatException ignored) {
            // keep the default, as the Python client would fail differently; a typo should not stop a merge
        }
        return p;
    }

    /** The wait before try number {@code attempt + 1} (attempt counts from 1). */
    Duration backoff(int attempt) {
        long ms = initialWait.toMillis() << Math.min(20, attempt - 1);
        return Duration.ofMillis(Math.min(ms, maxWait.toMillis()));
    }

    Duration capRetryAfter(Duration d) {
        return d.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : d;
    }

    void pause(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.amalgam.error.InterruptedMergeException("interrupted while waiting to retry a Hub request");
        }
    }
}
