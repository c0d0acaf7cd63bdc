package dev.amalgam.io.hub;

import dev.amalgam.error.InterruptedMergeException;
import dev.amalgam.error.IoFailureException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one place that talks HTTP to the Hub, on the JDK's {@link HttpClient} (HTTP/2, TLS, connection pooling, no
 * extra dependency). It adds the user agent and the token, retries transient failures with back-off (honouring
 * {@code Retry-After}), and follows redirects by hand because the Hub's rules differ from a browser's
 * (formats.md §4): the token goes only to the Hub's own host, never to a CDN a redirect points at, and the
 * metadata request must stop at a redirect to another host because that response carries the file's metadata.
 */
public final class HubHttp {
    static final String USER_AGENT = "amalgam/0.1.0; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 10;

    private final HttpClient client;
    private final HubSettings settings;
    private final RetryPolicy retry;
    private final Consumer<String> notices;

    public HubHttp(HubSettings settings, RetryPolicy retry, Consumer<String> notices) {
        this.settings = settings;
        this.retry = retry;
        this.notices = notices;
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20));
        ProxySettings proxy = ProxySettings.fromEnvironment(settings.env());
        if (proxy != null) {
            b.proxy(proxy);
        }
        this.client = b.build();
    }

    public HubSettings settings() {
        return settings;
    }

    RetryPolicy retry() {
        return retry;
    }

    void notice(String message) {
        notices.accept(message);
    }

    /** A request as the Hub wants it; the token is attached only when {@code uri} is on the Hub's host. */
    HttpRequest.Builder request(URI uri, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("user-agent", USER_AGENT);
        if (settings.token() != null && sameHost(uri)) {
            b.header("authorization", "Bearer " + settings.token());
        }
        headers.forEach(b::header);
        return b;
    }

    /**
     * Five minutes until the answer's headers arrive; none for uploads (PUT), whose body alone may take longer
     * than any fixed limit. The body of a download is read without a time limit.
     */
    private static HttpRequest.Builder timed(HttpRequest.Builder b, String method) {
        return method.equals("PUT") ? b : b.timeout(Duration.ofMinutes(5));
    }

    boolean sameHost(URI uri) {
        return uri.getHost() != null && uri.getHost().equalsIgnoreCase(settings.host());
    }

    /** One request (with retries), no redirect handling. */
    HttpResponse<InputStream> send(String method, URI uri, Map<String, String> headers,
                                   HttpRequest.BodyPublisher body, String what) {
        return sendWithRetry(() -> timed(request(uri, headers).method(method, body), method).build(), what, true);
    }

    /**
     * For a request that must not run twice (a commit): retried only when the server cannot have acted on it,
     * i.e. on 429 or when no connection was made; a 5xx or a connection lost mid-request is reported instead.
     */
    HttpResponse<InputStream> sendOnce(String method, URI uri, Map<String, String> headers,
                                       HttpRequest.BodyPublisher body, String what) {
        return sendWithRetry(() -> timed(request(uri, headers).method(method, body), method).build(), what, false);
    }

    /**
     * Sends and follows redirects: relative ones and those to the Hub's own host keep the token; a redirect to
     * another host is followed without it when {@code followOtherHosts}, and otherwise returned as the answer.
     */
    HttpResponse<InputStream> sendFollowing(String method, URI uri, Map<String, String> headers,
                                            boolean followOtherHosts, String what) {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpResponse<InputStream> r = send(method, current, headers, HttpRequest.BodyPublishers.noBody(), what);
            int s = r.statusCode();
            if (s < 300 || s >= 400 || s == 304) {
                return r;
            }
            String location = r.headers().firstValue("location").orElse(null);
            if (location == null) {
                return r;
            }
            URI target = current.resolve(location.trim());
            boolean relative = !URI.create(location.trim()).isAbsolute() || sameHost(target);
            if (!relative && !followOtherHosts) {
                return r;
            }
            close(r);
            if (hop >= MAX_REDIRECTS) {
                throw new IoFailureException("too many redirects (more than " + MAX_REDIRECTS + ") while fetching "
                        + what + " from " + uri, null);
            }
            current = target;
        }
    }

    private HttpResponse<InputStream> sendWithRetry(Supplier<HttpRequest> req, String what,
                                                    boolean idempotent) {
        for (int attempt = 1; ; attempt++) {
            HttpRequest request = req.get();
            HttpResponse<InputStream> r;
            try {
                r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (attempt >= retry.attempts() || !idempotent && !(e instanceof ConnectException
                        || e instanceof HttpConnectTimeoutException)) {
                    throw unreachable(request.uri(), what, e);
                }
                Duration wait = retry.backoff(attempt);
                notice("retrying " + what + " in " + seconds(wait) + " (" + describe(e) + ")");
                retry.pause(wait);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedMergeException("interrupted while fetching " + what);
            }
            int s = r.statusCode();
            boolean transientStatus = s == 429 || idempotent && s >= 500 && s != 501 && s != 505;
            if (!transientStatus || attempt >= retry.attempts()) {
                return r;
            }
            Duration wait = retryAfter(r).map(retry::capRetryAfter).orElse(retry.backoff(attempt));
            close(r);
            notice("retrying " + what + " in " + seconds(wait) + " (HTTP " + s
                    + (s == 429 ? ", rate limited by the Hub" : "") + ")");
            retry.pause(wait);
        }
    }

    /** The server's Retry-After: delta seconds or an HTTP date. */
    static Optional<Duration> retryAfter(HttpResponse<?> r) {
        String v = r.headers().firstValue("retry-after").orElse(null);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        v = v.trim();
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (RuntimeException ignored) {
                return Optional.empty();
            }
        }
    }

    IoFailureException unreachable(URI uri, String what, IOException e) {
        String hint = settings.offline() ? "" : ". Check the connection (or HF_ENDPOINT), or set HF_HUB_OFFLINE=1 to"
                + " work from the local cache only";
        return new IoFailureException("cannot fetch " + what + " from " + uri.getScheme() + "://" + uri.getAuthority()
                + ": " + describe(e) + hint, e);
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    static String seconds(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // nothing to do: the connection is discarded
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is how a stalled read is interrupted; its failure changes nothing
        }
    }

    static Map<String, String> headers(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static byte[] readAllQuietly(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            return in.readNBytes(64 * 1024);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Reads a small response body fully (JSON answers, error pages). */
    static byte[] readAll(HttpResponse<InputStream> r, String what) {
        try (InputStream in = r.body()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IoFailureException("connection lost while reading " + what + ": " + describe(e), e);
        }
    }
}
