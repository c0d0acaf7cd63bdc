package dev.amalgam.io.hub;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.InterruptedMergeException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.HfCache;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads one file of a repository into the cache (formats.md §4): a HEAD on the resolve URL gives commit, etag,
 * size and the real download URL; the body is streamed to {@code blobs/<etag>.<8hex>.incomplete}, resumed with
 * {@code Range} after a dropped connection (restarted if the server ignores the range), checked against the
 * expected size and the etag (sha256 for LFS files, the git blob id for regular ones), renamed to
 * {@code blobs/<etag>} and linked from the snapshot. A blob that is already cached is not downloaded again.
 */
final class FileDownloader {
    /** huggingface_hub refuses plain HTTP downloads above this size (MAX_HTTP_DOWNLOAD_SIZE). */
    static final long MAX_HTTP_DOWNLOAD = 50_000_000_000L;

    /** What the HEAD request says about a file. */
    record Metadata(String commit, String etag, long size, URI location) {
    }

    /** One daemon thread watches every download for stalls. */
    private static final ScheduledExecutorService WATCHDOG =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hub-download-watchdog");
                t.setDaemon(true);
                return t;
            });

    private final HubHttp http;
    private final HfCache cache;

    FileDownloader(HubHttp http, HfCache cache) {
        this.http = http;
        this.cache = cache;
    }

    /** The file's metadata, or empty when the Hub says it does not exist (then a {@code .no_exist} marker is written). */
    Optional<Metadata> metadata(String repoId, String revision, String path) {
        URI url = HubUrls.resolve(http.settings().endpoint(), repoId, revision, path);
        String what = "'" + path + "'";
        HttpResponse<InputStream> r = http.sendFollowing("HEAD", url, HubHttp.headers("accept-encoding", "identity"),
                false, what);
        HubHttp.close(r);
        var h = r.headers();
        String commit = h.firstValue("x-repo-commit").orElse(null);
        if (r.statusCode() == 404 && "EntryNotFound".equals(HubErrors.code(r))) {
            if (commit != null && commit.matches("[0-9a-f]{40}")) {
                new CacheRepo(cache, repoId).markMissing(commit, path);
            }
            return Optional.empty();
        }
        HubErrors.check(r, http.settings(), repoId, revision, what);
        String etag = h.firstValue("x-linked-etag").or(() -> h.firstValue("etag")).map(FileDownloader::normalizeEtag)
                .orElse(null);
        String size = h.firstValue("x-linked-size").or(() -> h.firstValue("content-length")).orElse(null);
        if (commit == null || etag == null || size == null) {
            throw new BadInputException("the Hub's answer for " + url + " lacks " + (commit == null ? "X-Repo-Commit"
                    : etag == null ? "an ETag" : "the file size") + "; is HF_ENDPOINT (" + http.settings().endpoint()
                    + ") a Hugging Face Hub?");
        }
        if (!commit.matches("[0-9a-f]{40}") || etag.isEmpty() || etag.contains("/") || etag.contains("\\")
                || etag.startsWith(".")) {
            throw new BadInputException("the Hub's answer for " + url + " has an invalid commit '" + commit
                    + "' or ETag '" + etag + "'");
        }
        long n;
        try {
            n = Long.parseLong(size.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException("the Hub's answer for " + url + " has an invalid size '" + size + "'");
        }
        URI location = h.firstValue("location").map(l -> url.resolve(l.trim())).orElse(r.uri());
        return Optional.of(new Metadata(commit, etag, n, location));
    }

    /** {@code W/"abc"} -> {@code abc}. */
    static String normalizeEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    /**
     * Makes {@code snapshots/<commit>/<path>} exist, downloading the blob if the cache lacks it. A file that is
     * already in the snapshot is trusted without a request: a commit's files never change.
     */
    Path fetch(String repoId, String commit, String path, TransferListener listener) {
        CacheRepo repo = new CacheRepo(cache, repoId);
        Path target = repo.snapshotFile(commit, path);
        if (Files.isRegularFile(target)) {
            return target;
        }
        Metadata meta = metadata(repoId, commit, path).orElseThrow(() -> new BadInputException("'" + path
                + "' does not exist in '" + repoId + "' at commit " + commit));
        return fetch(repo, path, meta, listener);
    }

    Path fetch(CacheRepo repo, String path, Metadata meta, TransferListener listener) {
        if (meta.size() > MAX_HTTP_DOWNLOAD) {
            throw new IoFailureException("'" + path + "' is " + meta.size() + " bytes, above the 50 GB the Hub serves"
                    + " over plain HTTP (it needs the Xet protocol, which Amalgam does not speak yet); download it with"
                    + " `huggingface-cli download` and run again", null);
        }
        repo.tagCacheDir();
        Path blob = repo.blob(meta.etag());
        // Progress names the repository too: a merge downloads several model.safetensors at once.
        String label = repo.repoId() + "/" + path;
        listener.fileStarted(label, meta.size());
        if (!isComplete(blob, meta.size())) {
            try (CacheRepo.Lock ignored = repo.lock(meta.etag())) {
                if (!isComplete(blob, meta.size())) {
                    download(repo, path, meta, blob, listener, label);
                }
            }
        } else {
            listener.bytes(label, meta.size());
        }
        Path link = repo.link(meta.commit(), path, meta.etag());
        listener.fileFinished(label, meta.size());
        return link;
    }

    /** A 206 answer must start where the partial file ends ({@code Content-Range: bytes N-...}). */
    private static boolean rangeStartsAt(HttpResponse<InputStream> r, long written) {
        String cr = r.headers().firstValue("content-range").orElse(null);
        if (cr == null) {
            return true;
        }
        var m = java.util.regex.Pattern.compile("bytes\\s+(\\d+)-").matcher(cr.trim());
        return m.lookingAt() && Long.parseLong(m.group(1)) == written;
    }

    private static boolean isComplete(Path blob, long size) {
        try {
            return Files.isRegularFile(blob) && Files.size(blob) == size;
        } catch (IOException e) {
            return false;
        }
    }

    private void download(CacheRepo repo, String path, Metadata meta, Path blob, TransferListener listener,
                          String label) {
        Path tmp = repo.incomplete(meta.etag());
        boolean done = false;
        try {
            Files.createDirectories(tmp.getParent());
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                MessageDigest digest = Hashes.forEtag(meta.etag(), meta.size());
                long written = 0;
                RetryPolicy retry = http.retry();
                int failures = 0;
                while (written < meta.size()) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedMergeException("download of '" + path
                                + "' cancelled");
                    }
                    Map<String, String> headers = written > 0
                            ? HubHttp.headers("range", "bytes=" + written + "-")
                            : HubHttp.headers();
                    HttpResponse<InputStream> r = http.sendFollowing("GET", meta.location(), headers, true,
                            "'" + path + "'");
                    int s = r.statusCode();
                    if (written > 0 && s == 200) {
                        // The server ignored Range: start over rather than append a second copy [http_get].
                        listener.bytes(label, -written);
                        out.truncate(0);
                        written = 0;
                        digest = Hashes.forEtag(meta.etag(), meta.size());
                    } else if (s != 200 && s != 206) {
                        HubErrors.check(r, http.settings(), repo.repoId(), meta.commit(),
                                "'" + path + "'");
                        HubHttp.close(r);
                        throw new IoFailureException("unexpected HTTP " + s + " while downloading '" + path + "'", null);
                    }
                    if (s == 206 && !rangeStartsAt(r, written)) {
                        HubHttp.close(r);
                        throw new IoFailureException("the server answered the resume of '" + path + "' at byte "
                                + written + " with another range (" + r.headers().firstValue("content-range")
                                .orElse("none") + "); try again", null);
                    }
                    AtomicLong lastByte = new AtomicLong(System.nanoTime());
                    AtomicBoolean stalled = new AtomicBoolean();
                    InputStream body = r.body();
                    long idle = retry.idleTimeout().toNanos();
                    long period = Math.max(10, retry.idleTimeout().toMillis() / 4);
                    var watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
                        if (System.nanoTime() - lastByte.get() > idle && stalled.compareAndSet(false, true)) {
                            HubHttp.closeQuietly(body);
                        }
                    }, period, period, TimeUnit.MILLISECONDS);
                    try (InputStream in = body) {
                        byte[] buf = new byte[1 << 16];
                        int k;
                        while ((k = in.read(buf)) > 0) {
                            lastByte.set(System.nanoTime());
                            long room = meta.size() - written;
                            if (k > room) {
                                throw new IoFailureException("Consistency check failed: '" + path + "' is longer than"
                                        + " the " + meta.size() + " bytes the Hub announced; try again", null);
                            }
                            ByteBuffer bb = ByteBuffer.wrap(buf, 0, k);
                            while (bb.hasRemaining()) {
                                out.write(bb, written + (k - bb.remaining()));
                            }
                            if (digest != null) {
                                digest.update(buf, 0, k);
                            }
                            written += k;
                            listener.bytes(label, k);
                        }
                    } catch (IOException e) {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedMergeException("download of '" + path
                                    + "' cancelled");
                        }
                        failures++;
                        if (failures >= retry.attempts()) {
                            throw new IoFailureException("the download of '" + path + "' kept failing (" + failures
                                    + " tries, " + written + " of " + meta.size() + " bytes): " + HubHttp.describe(e), e);
                        }
                        Duration wait = retry.backoff(failures);
                        http.notice((stalled.get() ? "no data for " + HubHttp.seconds(retry.idleTimeout()) : "connection"
                                + " lost") + " while downloading '" + path + "' at byte " + written + " of "
                                + meta.size() + " (" + HubHttp.describe(e) + "); resuming");
                        retry.pause(wait);
                        continue;
                    } finally {
                        watchdog.cancel(false);
                    }
                    if (written < meta.size()) {
                        failures++;
                        if (failures >= retry.attempts()) {
                            throw new IoFailureException("Consistency check failed: '" + path + "' ended after "
                                    + written + " of " + meta.size() + " bytes, " + failures + " times", null);
                        }
                        http.notice((stalled.get() ? "no data for " + HubHttp.seconds(retry.idleTimeout())
                                + " while downloading '" + path + "'" : "the download of '" + path + "' ended early")
                                + " at byte " + written + "; resuming");
                        continue;
                    }
                    break;
                }
                out.force(true);
                if (digest != null) {
                    String actual = Hashes.hex(digest);
                    if (!actual.equals(meta.etag())) {
                        throw new IoFailureException("the download of '" + path + "' is corrupt: its "
                                + (Hashes.isSha256(meta.etag()) ? "sha256" : "git blob id") + " is " + actual
                                + " but the Hub announced " + meta.etag() + "; try again", null);
                    }
                }
            }
            CacheRepo.move(tmp, blob);
            done = true;
        } catch (IOException e) {
            throw new IoFailureException("cannot write " + tmp + ": " + e.getMessage(), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a stale .incomplete file is harmless: names are process-unique
                }
            }
        }
    }
}
