package dev.amalgam.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An in-process Hugging Face Hub for tests, implementing the endpoints as formats.md §4–§5 describe them: model
 * info, resolve (HEAD/GET, regular files served directly with their git blob id as ETag, LFS files redirected to
 * a "CDN" on another host name with X-Linked-Etag/X-Linked-Size), range requests, the error codes
 * (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo), repo creation, preupload, the git-lfs batch API with
 * basic and multipart uploads and verify, and ndjson commits. The API answers on {@code 127.0.0.1}, the CDN on
 * {@code localhost}, so the client sees two hosts. Faults (429 with Retry-After, 5xx, a connection dropped
 * mid-body, a server ignoring Range, corrupt bytes) are queued per request, and every request is logged.
 */
public final class FakeHub implements AutoCloseable {
    public static final String TOKEN = "hf_test_write_token";
    public static final String READ_TOKEN = "hf_test_read_token";
    public static final String OTHER_TOKEN = "hf_test_other_user";

    /** A logged request. {@code authorization} is null when none was sent. */
    public record Request(String server, String method, String path, String range, String authorization) {
    }

    /** A fault injected into the next request that matches. */
    public record Fault(String server, String method, String pathContains, int status, String retryAfter,
                        long dropAfter, boolean ignoreRange, boolean corrupt, long stallMillis) {
        public static Fault status(String pathContains, int status, String retryAfter) {
            return new Fault(null, null, pathContains, status, retryAfter, -1, false, false, 0);
        }

        public static Fault dropAfter(String pathContains, long bytes) {
            return new Fault("cdn", "GET", pathContains, 0, null, bytes, false, false, 0);
        }

        /** Sends {@code bytes}, then holds the connection open silently for {@code millis} before dropping it. */
        public static Fault stallAfter(String pathContains, long bytes, long millis) {
            return new Fault("cdn", "GET", pathContains, 0, null, bytes, false, false, millis);
        }

        public static Fault ignoreRange(String pathContains) {
            return new Fault("cdn", "GET", pathContains, 0, null, -1, true, false, 0);
        }

        public static Fault corrupt(String pathContains) {
            return new Fault("cdn", "GET", pathContains, 0, null, -1, false, true, 0);
        }
    }

    private static final class Repo {
        final String id;
        boolean gated;
        boolean isPrivate;
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();

        Repo(String id) {
            this.id = id;
        }
    }

    private final HttpServer api;
    private final HttpServer cdn;
    private final java.util.concurrent.ExecutorService apiThreads = Executors.newCachedThreadPool(FakeHub::daemon);
    private final java.util.concurrent.ExecutorService cdnThreads = Executors.newCachedThreadPool(FakeHub::daemon);
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfs = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, byte[]>> parts = new ConcurrentHashMap<>();
    private final List<Request> log = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private volatile long multipartThreshold = 300_000;
    private volatile long chunkSize = 100_000;
    private volatile boolean verifyAction = true;
    private final java.util.concurrent.atomic.AtomicInteger cdnInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger cdnMaxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile java.util.concurrent.CountDownLatch cdnRendezvous;

    public FakeHub() throws IOException {
        InetAddress loop = InetAddress.getByName("127.0.0.1");
        api = HttpServer.create(new InetSocketAddress(loop, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loop, 0), 0);
        api.createContext("/", ex -> handle(ex, "api"));
        cdn.createContext("/", ex -> handle(ex, "cdn"));
        api.setExecutor(apiThreads);
        cdn.setExecutor(cdnThreads);
        api.start();
        cdn.start();
    }

    /** The Hub's base URL (what HF_ENDPOINT is set to). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    /** The CDN's base URL: the same machine under another host name. */
    public URI cdnBase() {
        return URI.create("http://localhost:" + cdn.getAddress().getPort());
    }

    @Override
    public void close() {
        api.stop(0);
        cdn.stop(0);
        apiThreads.shutdownNow();
        cdnThreads.shutdownNow();
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    }

    // ---- set-up -------------------------------------------------------------------------------------------

    /** Publishes every file of a folder as one commit on {@code main} of {@code repoId}; returns the commit. */
    public String addRepo(String repoId, Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return addCommit(repoId, "main", files);
    }

    /** Adds a commit with exactly these files on a branch (created when new); returns the commit id. */
    public String addCommit(String repoId, String branch, Map<String, byte[]> files) {
        Repo repo = repos.computeIfAbsent(repoId, Repo::new);
        String parent = repo.refs.getOrDefault(branch, "");
        String commit = commitId(parent, files);
        Map<String, byte[]> copy = new TreeMap<>(files);
        for (Map.Entry<String, byte[]> e : copy.entrySet()) {
            if (isLfs(e.getKey(), e.getValue())) {
                lfs.put(sha256(e.getValue()), e.getValue());
            }
        }
        repo.commits.put(commit, Collections.unmodifiableMap(copy));
        repo.refs.put(branch, commit);
        return commit;
    }

    public void tag(String repoId, String tag, String commit) {
        repos.get(repoId).refs.put(tag, commit);
    }

    public void gate(String repoId) {
        repos.get(repoId).gated = true;
    }

    public void makePrivate(String repoId) {
        repos.get(repoId).isPrivate = true;
    }

    /** Requests for {@code from} are answered with a relative redirect to {@code to} (a renamed repository). */
    public void rename(String from, String to) {
        renamed.put(from, to);
    }

    public void multipart(long threshold, long chunk) {
        this.multipartThreshold = threshold;
        this.chunkSize = chunk;
    }

    /**
     * Holds each CDN GET until {@code n} are in flight together (or 5 s pass), so a test can tell parallel
     * downloads from sequential ones without timing anything.
     */
    public void rendezvous(int n) {
        cdnRendezvous = new java.util.concurrent.CountDownLatch(n);
    }

    /** The most CDN requests that were being served at the same time. */
    public int maxConcurrentCdnRequests() {
        return cdnMaxInFlight.get();
    }

    public void fault(Fault f) {
        faults.add(f);
    }

    public List<Request> requests() {
        return List.copyOf(log);
    }

    public void clearLog() {
        log.clear();
    }

    public boolean hasRepo(String repoId) {
        return repos.containsKey(repoId);
    }

    /** The files of a revision (branch, tag or commit), as stored. */
    public Map<String, byte[]> files(String repoId, String revision) {
        Repo r = repos.get(repoId);
        String c = r.refs.getOrDefault(revision, revision);
        return r.commits.get(c);
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String gitSha1(byte[] data) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-1");
            d.update(("blob " + data.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Like the Hub's default .gitattributes: weights and binary content go through LFS. */
    static boolean isLfs(String path, byte[] content) {
        if (path.endsWith(".safetensors") || path.endsWith(".bin")) {
            return true;
        }
        for (int i = 0; i < Math.min(512, content.length); i++) {
            if (content[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static String commitId(String parent, Map<String, byte[]> files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-1");
            d.update(parent.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update(e.getValue());
            }
            d.update(Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- dispatch -----------------------------------------------------------------------------------------

    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern INFO = Pattern.compile("/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?");
    private static final Pattern PREUPLOAD = Pattern.compile("/api/models/([^/]+/[^/]+)/preupload/([^/]+)");
    private static final Pattern COMMIT = Pattern.compile("/api/models/([^/]+/[^/]+)/commit/([^/]+)");
    private static final Pattern BATCH = Pattern.compile("/([^/]+/[^/]+)\\.git/info/lfs/objects/batch");

    private void handle(HttpExchange ex, String server) {
        try (ex) {
            String raw = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            log.add(new Request(server, method, raw, ex.getRequestHeaders().getFirst("Range"),
                    ex.getRequestHeaders().getFirst("Authorization")));
            Fault f = takeFault(server, method, raw);
            if (f != null && f.status() > 0) {
                if (f.retryAfter() != null) {
                    ex.getResponseHeaders().set("Retry-After", f.retryAfter());
                }
                send(ex, f.status(), "{\"error\":\"injected " + f.status() + "\"}");
                return;
            }
            if (server.equals("cdn")) {
                int now = cdnInFlight.incrementAndGet();
                cdnMaxInFlight.accumulateAndGet(now, Math::max);
                try {
                    var latch = cdnRendezvous;
                    if (latch != null && method.equals("GET")) {
                        latch.countDown();
                        latch.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    }
                    cdn(ex, method, raw, f);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    cdnInFlight.decrementAndGet();
                }
            } else {
                api(ex, method, raw, f);
            }
        } catch (IOException e) {
            // the client went away, or a dropped connection was injected
        } catch (RuntimeException e) {
            try {
                send(ex, 500, "{\"error\":\"" + e.toString().replace("\"", "'") + "\"}");
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    private Fault takeFault(String server, String method, String path) {
        for (Fault f : faults) {
            if ((f.server() == null || f.server().equals(server)) && (f.method() == null || f.method().equals(method))
                    && URLDecoder.decode(path, StandardCharsets.UTF_8).contains(f.pathContains())) {
                if (faults.remove(f)) {
                    return f;
                }
            }
        }
        return null;
    }

    private void api(HttpExchange ex, String method, String raw, Fault fault) throws IOException {
        Matcher m;
        if ((m = RESOLVE.matcher(raw)).matches()) {
            resolve(ex, method, decode(m.group(1)), decode(m.group(2)), decode(m.group(3)), raw, m);
        } else if ((m = PREUPLOAD.matcher(raw)).matches() && method.equals("POST")) {
            preupload(ex, decode(m.group(1)), decode(m.group(2)));
        } else if ((m = COMMIT.matcher(raw)).matches() && method.equals("POST")) {
            commit(ex, decode(m.group(1)), decode(m.group(2)));
        } else if ((m = INFO.matcher(raw)).matches() && method.equals("GET")) {
            info(ex, decode(m.group(1)), m.group(2) == null ? "main" : decode(m.group(2)));
        } else if (raw.equals("/api/repos/create") && method.equals("POST")) {
            create(ex);
        } else if ((m = BATCH.matcher(raw)).matches() && method.equals("POST")) {
            batch(ex, decode(m.group(1)));
        } else if (raw.startsWith("/lfs-complete/") && method.equals("POST")) {
            complete(ex, raw.substring("/lfs-complete/".length()));
        } else if (raw.equals("/lfs-verify") && method.equals("POST")) {
            verify(ex);
        } else {
            send(ex, 404, "{\"error\":\"no such endpoint " + raw + "\"}");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private String token(HttpExchange ex) {
        String a = ex.getRequestHeaders().getFirst("Authorization");
        return a != null && a.startsWith("Bearer ") ? a.substring(7) : null;
    }

    /** Null when the request may read the repo, else the error already sent. */
    private boolean readable(HttpExchange ex, Repo repo, String repoId) throws IOException {
        String t = token(ex);
        boolean valid = TOKEN.equals(t) || READ_TOKEN.equals(t);
        if (repo == null || repo.isPrivate && !valid) {
            error(ex, 401, "RepoNotFound", "Repository Not Found for url: " + repoId, null);
            return false;
        }
        if (repo.gated && !valid) {
            if (t == null) {
                error(ex, 401, "GatedRepo", "Access to model " + repoId + " is restricted. You must have access to"
                        + " it and be authenticated to access it.", null);
            } else {
                error(ex, 403, "GatedRepo", "Access to model " + repoId + " is restricted and you are not in the"
                        + " authorized list.", null);
            }
            return false;
        }
        return true;
    }

    private boolean writable(HttpExchange ex) throws IOException {
        String t = token(ex);
        if (t == null || !(t.equals(TOKEN) || t.equals(READ_TOKEN) || t.equals(OTHER_TOKEN))) {
            error(ex, 401, null, "Invalid credentials in Authorization header", null);
            return false;
        }
        if (!t.equals(TOKEN)) {
            error(ex, 403, null, "You don't have the rights to create a model under this namespace", null);
            return false;
        }
        return true;
    }

    private void resolve(HttpExchange ex, String method, String repoId, String rev, String path, String raw,
                         Matcher m) throws IOException {
        String to = renamed.get(repoId);
        if (to != null) {
            ex.getResponseHeaders().set("Location", raw.replace("/" + m.group(1) + "/", "/" + to + "/"));
            send(ex, 307, "");
            return;
        }
        Repo repo = repos.get(repoId);
        if (!readable(ex, repo, repoId)) {
            return;
        }
        String commit = repo.refs.getOrDefault(rev, repo.commits.containsKey(rev) ? rev : null);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, null);
            return;
        }
        byte[] data = repo.commits.get(commit).get(path);
        if (data == null) {
            error(ex, 404, "EntryNotFound", path + " does not exist on \"" + rev + "\"", commit);
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (isLfs(path, data)) {
            String oid = sha256(data);
            h.set("ETag", "\"" + oid + "\"");
            h.set("X-Linked-Etag", "\"" + oid + "\"");
            h.set("X-Linked-Size", Long.toString(data.length));
            h.set("Location", cdnBase() + "/lfs/" + oid + "?X-Amz-Signature=fake");
            send(ex, 302, "");
            return;
        }
        h.set("ETag", "W/\"" + gitSha1(data) + "\"");
        serveBytes(ex, method, data, null);
    }

    private void cdn(HttpExchange ex, String method, String raw, Fault fault) throws IOException {
        if (raw.startsWith("/lfs/") && (method.equals("GET") || method.equals("HEAD"))) {
            byte[] data = lfs.get(raw.substring(5));
            if (data == null) {
                send(ex, 404, "NoSuchKey");
                return;
            }
            serveBytes(ex, method, data, fault);
        } else if (raw.startsWith("/upload/") && method.equals("PUT")) {
            String rest = raw.substring("/upload/".length());
            byte[] body = ex.getRequestBody().readAllBytes();
            int slash = rest.indexOf("/part/");
            if (slash >= 0) {
                String oid = rest.substring(0, slash);
                int n = Integer.parseInt(rest.substring(slash + 6));
                parts.computeIfAbsent(oid, k -> new ConcurrentHashMap<>()).put(n, body);
                ex.getResponseHeaders().set("ETag", "\"" + partEtag(body) + "\"");
                send(ex, 200, "");
            } else {
                if (!sha256(body).equals(rest)) {
                    send(ex, 400, "sha256 mismatch");
                    return;
                }
                lfs.put(rest, body);
                send(ex, 200, "");
            }
        } else {
            send(ex, 404, "no such key");
        }
    }

    private static String partEtag(byte[] body) {
        return sha256(body).substring(0, 32);
    }

    /** 200 with the whole body, or 206 for {@code Range: bytes=a-[b]}; faults drop, corrupt or ignore the range. */
    private void serveBytes(HttpExchange ex, String method, byte[] data, Fault fault) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        long from = 0;
        long to = data.length - 1L;
        int status = 200;
        if (range != null && (fault == null || !fault.ignoreRange())) {
            Matcher rm = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range.trim());
            if (!rm.matches()) {
                send(ex, 416, "bad range");
                return;
            }
            from = Long.parseLong(rm.group(1));
            if (!rm.group(2).isEmpty()) {
                to = Math.min(to, Long.parseLong(rm.group(2)));
            }
            if (from >= data.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + data.length);
                send(ex, 416, "");
                return;
            }
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
        }
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        byte[] slice = Arrays.copyOfRange(data, (int) from, (int) to + 1);
        if (fault != null && fault.corrupt()) {
            slice[slice.length / 2] ^= 0x5a;
        }
        if (method.equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(slice.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, slice.length);
        OutputStream out = ex.getResponseBody();
        if (fault != null && fault.dropAfter() >= 0) {
            out.write(slice, 0, (int) Math.min(slice.length, fault.dropAfter()));
            out.flush();
            if (fault.stallMillis() > 0) {
                try {
                    Thread.sleep(fault.stallMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Closing the exchange before the announced length makes the server drop the connection.
            return;
        }
        out.write(slice);
    }

    private void info(HttpExchange ex, String repoId, String rev) throws IOException {
        Repo repo = repos.get(repoId);
        if (!readable(ex, repo, repoId)) {
            return;
        }
        String commit = repo.refs.getOrDefault(rev, repo.commits.containsKey(rev) ? rev : null);
        if (commit == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, null);
            return;
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", repoId);
        root.put("sha", commit);
        root.put("private", repo.isPrivate);
        root.put("gated", repo.gated ? "auto" : "false");
        ArrayNode sib = root.putArray("siblings");
        for (Map.Entry<String, byte[]> e : repo.commits.get(commit).entrySet()) {
            ObjectNode s = sib.addObject();
            s.put("rfilename", e.getKey());
            s.put("size", e.getValue().length);
            s.put("blobId", gitSha1(e.getValue()));
            if (isLfs(e.getKey(), e.getValue())) {
                s.putObject("lfs").put("sha256", sha256(e.getValue())).put("size", e.getValue().length)
                        .put("pointerSize", 134);
            }
        }
        send(ex, 200, root.toString());
    }

    private void create(HttpExchange ex) throws IOException {
        if (!writable(ex)) {
            return;
        }
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        String id = body.path("organization").asText() + "/" + body.path("name").asText();
        if (!body.path("type").asText("model").equals("model")) {
            send(ex, 400, "{\"error\":\"only models\"}");
            return;
        }
        if (repos.containsKey(id)) {
            send(ex, 409, "{\"error\":\"You already created this model repo\",\"url\":\"" + endpoint() + "/" + id + "\"}");
            return;
        }
        Repo repo = new Repo(id);
        repo.isPrivate = "private".equals(body.path("visibility").asText());
        repos.put(id, repo);
        addCommit(id, "main", Map.of(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
                .getBytes(StandardCharsets.UTF_8)));
        send(ex, 200, "{\"url\":\"" + endpoint() + "/" + id + "\"}");
    }

    private void preupload(HttpExchange ex, String repoId, String rev) throws IOException {
        if (!writable(ex)) {
            return;
        }
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", "Repository not found", null);
            return;
        }
        if (!repo.refs.containsKey(rev)) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, null);
            return;
        }
        Map<String, byte[]> current = repo.commits.get(repo.refs.get(rev));
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode files = out.putArray("files");
        for (JsonNode f : body.path("files")) {
            String path = f.path("path").asText();
            byte[] sample = Base64.getDecoder().decode(f.path("sample").asText());
            if (path.isEmpty() || sample.length > 512 || !f.path("size").isNumber()) {
                send(ex, 422, "{\"error\":\"preupload entries need path, a sample of at most 512 bytes and size\"}");
                return;
            }
            boolean lfsMode = path.endsWith(".safetensors") || isLfs(path, sample);
            ObjectNode o = files.addObject().put("path", path).put("uploadMode", lfsMode ? "lfs" : "regular")
                    .put("shouldIgnore", false);
            byte[] existing = current.get(path);
            if (existing != null) {
                o.put("oid", lfsMode ? sha256(existing) : gitSha1(existing));
            }
        }
        send(ex, 200, out.toString());
    }

    private void batch(HttpExchange ex, String repoId) throws IOException {
        if (!writable(ex)) {
            return;
        }
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept == null || !accept.contains("application/vnd.git-lfs+json")) {
            send(ex, 406, "{\"message\":\"Accept must be application/vnd.git-lfs+json\"}");
            return;
        }
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        boolean transfers = false;
        for (JsonNode tr : body.path("transfers")) {
            transfers |= tr.asText().equals("basic");
        }
        if (type == null || !type.startsWith("application/vnd.git-lfs+json") || !body.path("operation").asText()
                .equals("upload") || !body.path("hash_algo").asText().equals("sha256") || !transfers
                || !body.path("ref").path("name").isTextual()) {
            send(ex, 422, "{\"message\":\"malformed LFS batch request\"}");
            return;
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("transfer", "basic");
        ArrayNode objs = out.putArray("objects");
        for (JsonNode o : body.path("objects")) {
            String oid = o.path("oid").asText();
            long size = o.path("size").asLong();
            ObjectNode r = objs.addObject().put("oid", oid).put("size", size);
            if (lfs.containsKey(oid)) {
                continue;
            }
            ObjectNode actions = r.putObject("actions");
            if (size > multipartThreshold) {
                ObjectNode up = actions.putObject("upload");
                up.put("href", endpoint() + "/lfs-complete/" + oid);
                ObjectNode header = up.putObject("header");
                header.put("chunk_size", Long.toString(chunkSize));
                long k = (size + chunkSize - 1) / chunkSize;
                for (int i = 1; i <= k; i++) {
                    header.put(Integer.toString(i), cdnBase() + "/upload/" + oid + "/part/" + i + "?sig=x");
                }
            } else {
                actions.putObject("upload").put("href", cdnBase() + "/upload/" + oid);
            }
            if (verifyAction) {
                actions.putObject("verify").put("href", endpoint() + "/lfs-verify");
            }
        }
        ex.getResponseHeaders().set("Content-Type", "application/vnd.git-lfs+json");
        send(ex, 200, out.toString());
    }

    private void complete(HttpExchange ex, String oid) throws IOException {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/vnd.git-lfs+json")) {
            send(ex, 415, "{\"error\":\"completion must be application/vnd.git-lfs+json\"}");
            return;
        }
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        Map<Integer, byte[]> got = parts.getOrDefault(oid, Map.of());
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        int expect = 1;
        for (JsonNode p : body.path("parts")) {
            int n = p.path("partNumber").asInt();
            byte[] part = got.get(n);
            String etag = p.path("etag").asText().replace("\"", "");
            if (n != expect++ || part == null || !partEtag(part).equals(etag)) {
                send(ex, 400, "{\"error\":\"bad part " + n + "\"}");
                return;
            }
            all.write(part);
        }
        if (!sha256(all.toByteArray()).equals(oid) || !body.path("oid").asText().equals(oid)) {
            send(ex, 400, "{\"error\":\"assembled object does not match its oid\"}");
            return;
        }
        lfs.put(oid, all.toByteArray());
        send(ex, 200, "{}");
    }

    private void verify(HttpExchange ex) throws IOException {
        if (!writable(ex)) {
            return;
        }
        JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        byte[] data = lfs.get(body.path("oid").asText());
        if (data == null || data.length != body.path("size").asLong()) {
            send(ex, 404, "{\"message\":\"object not stored\"}");
            return;
        }
        send(ex, 200, "{}");
    }

    private void commit(HttpExchange ex, String repoId, String rev) throws IOException {
        if (!writable(ex)) {
            return;
        }
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", "Repository not found", null);
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/x-ndjson")) {
            send(ex, 400, "{\"error\":\"expected application/x-ndjson\"}");
            return;
        }
        String parent = repo.refs.get(rev);
        if (parent == null) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, null);
            return;
        }
        Map<String, byte[]> files = new TreeMap<>(repo.commits.get(parent));
        String summary = null;
        for (String line : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode op = Json.MAPPER.readTree(line);
            JsonNode v = op.path("value");
            switch (op.path("key").asText()) {
                case "header" -> summary = v.path("summary").asText(null);
                case "file" -> files.put(v.path("path").asText(), Base64.getDecoder().decode(v.path("content").asText()));
                case "lfsFile" -> {
                    byte[] data = lfs.get(v.path("oid").asText());
                    if (data == null || data.length != v.path("size").asLong() || !v.path("algo").asText().equals("sha256")) {
                        send(ex, 422, "{\"error\":\"LFS object " + v.path("oid").asText() + " was not uploaded\"}");
                        return;
                    }
                    files.put(v.path("path").asText(), data);
                }
                case "deletedFile" -> files.remove(v.path("path").asText());
                default -> {
                    send(ex, 400, "{\"error\":\"unknown key " + op.path("key").asText() + "\"}");
                    return;
                }
            }
        }
        if (summary == null || summary.isBlank()) {
            send(ex, 400, "{\"error\":\"summary must not be empty\"}");
            return;
        }
        String commit = addCommit(repoId, rev, files);
        send(ex, 200, "{\"commitUrl\":\"" + endpoint() + "/" + repoId + "/commit/" + commit + "\",\"commitOid\":\""
                + commit + "\"}");
    }

    private static void error(HttpExchange ex, int status, String code, String message, String commit)
            throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        if (commit != null) {
            ex.getResponseHeaders().set("X-Repo-Commit", commit);
        }
        send(ex, status, "{\"error\":\"" + message.replace("\"", "'") + "\"}");
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD") || b.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    /** Requests whose path contains {@code s}. */
    public List<Request> requestsTo(Predicate<Request> p) {
        List<Request> out = new ArrayList<>();
        for (Request r : log) {
            if (p.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** The commit a branch or tag points at. */
    public String head(String repoId, String branch) {
        return repos.get(repoId).refs.get(branch);
    }
}
