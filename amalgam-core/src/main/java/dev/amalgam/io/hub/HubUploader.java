package dev.amalgam.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.HfCache;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Publishes a folder to a Hub model repository with the protocol huggingface_hub uses without Xet
 * (formats.md §5): create the repository if needed, ask {@code preupload} which files go through LFS and which
 * the revision already has, upload LFS objects through the git-lfs batch API (single PUT or multipart), then make
 * one commit ({@code application/x-ndjson}) naming every changed file. Files the Hub already has at that path
 * are skipped; an LFS object the Hub stores already is committed without re-uploading its bytes.
 */
public final class HubUploader {
    static final int BATCH = 256;
    static final String LFS_JSON = "application/vnd.git-lfs+json";
    private static final java.util.Set<String> RESTRICTED = java.util.Set.of("content-length", "host", "connection",
            "expect", "upgrade", "transfer-encoding");

    /** The outcome of a push. */
    public record Result(String commitUrl, String commitOid, boolean createdRepo, List<String> uploaded,
                         List<String> unchanged) {
    }

    /** One local file to publish; {@code content} replaces the file's bytes when non-null (an amended card). */
    record LocalFile(String path, Path file, byte[] content, long size, String sha256, String gitSha1) {
        InputStream open() throws IOException {
            return content != null ? new java.io.ByteArrayInputStream(content) : Files.newInputStream(file);
        }

        byte[] bytes() throws IOException {
            return content != null ? content : Files.readAllBytes(file);
        }
    }

    private final HubHttp http;
    private final TransferListener listener;

    public HubUploader(HubHttp http, TransferListener listener) {
        this.http = http;
        this.listener = listener;
    }

    /**
     * @param overrides path -> content to upload instead of the file's bytes (the amended model card)
     */
    public Result push(Path folder, String repoId, boolean makePrivate, String revision, String message,
                       Map<String, byte[]> overrides) {
        if (!HfCache.looksLikeRepoId(repoId) || !repoId.contains("/")) {
            throw new ConfigException("'" + repoId + "' is not a Hub repository id of the form ORG/NAME (letters, digits,"
                    + " '-', '_', '.'; no '--' or '..')");
        }
        if (http.settings().offline()) {
            throw new ConfigException("HF_HUB_OFFLINE is set: pushing needs the network. Unset it to push.");
        }
        if (http.settings().token() == null) {
            throw new ConfigException("pushing needs a Hub token with write access: set HF_TOKEN or run"
                    + " `huggingface-cli login`");
        }
        String rev = revision == null ? "main" : revision;
        List<LocalFile> files = collect(folder, overrides);
        if (files.isEmpty()) {
            throw new BadInputException(folder + " has no files to push");
        }
        boolean created = createRepo(repoId, makePrivate);
        Map<String, String> modes = new LinkedHashMap<>();
        List<String> unchanged = new ArrayList<>();
        preupload(repoId, rev, files, modes, unchanged);
        List<LocalFile> changed = files.stream().filter(f -> modes.containsKey(f.path())).toList();
        if (changed.isEmpty()) {
            return new Result(null, null, created, List.of(), unchanged);
        }
        List<LocalFile> lfs = changed.stream().filter(f -> modes.get(f.path()).equals("lfs")).toList();
        listener.batchStarted(changed.size(), changed.stream().mapToLong(LocalFile::size).sum());
        uploadLfs(repoId, rev, lfs);
        JsonNode answer = commit(repoId, rev, message, changed, modes);
        listener.batchFinished();
        return new Result(answer.path("commitUrl").asText(null), answer.path("commitOid").asText(null), created,
                changed.stream().map(LocalFile::path).toList(), unchanged);
    }

    /** Every regular file below the folder, '/'-separated and sorted; hidden folders (.git, .cache) are left out. */
    static List<LocalFile> collect(Path folder, Map<String, byte[]> overrides) {
        if (!Files.isDirectory(folder)) {
            throw new BadInputException(folder + " does not exist or is not a folder");
        }
        List<Path> paths;
        try (Stream<Path> s = Files.walk(folder)) {
            paths = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new IoFailureException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        List<LocalFile> out = new ArrayList<>();
        for (Path p : paths) {
            Path rel = folder.relativize(p);
            String name = rel.toString().replace('\\', '/');
            boolean hidden = false;
            for (Path seg : rel.getParent() == null ? List.<Path>of() : List.of(rel.getParent())) {
                for (Path part : seg) {
                    hidden |= part.toString().startsWith(".");
                }
            }
            if (hidden || name.endsWith(".incomplete")) {
                continue;
            }
            out.add(hash(name, p, overrides.get(name)));
        }
        for (Map.Entry<String, byte[]> o : overrides.entrySet()) {
            if (out.stream().noneMatch(f -> f.path().equals(o.getKey()))) {
                RepoPaths.check(o.getKey(), "the upload");
                out.add(hash(o.getKey(), folder.resolve(o.getKey()), o.getValue()));
            }
        }
        out.sort(java.util.Comparator.comparing(LocalFile::path));
        return out;
    }

    private static LocalFile hash(String name, Path file, byte[] content) {
        try {
            long size = content != null ? content.length : Files.size(file);
            MessageDigest sha = Hashes.sha256();
            MessageDigest git = Hashes.gitBlob(size);
            try (InputStream in = content != null ? new java.io.ByteArrayInputStream(content) : Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 16];
                int k;
                while ((k = in.read(buf)) > 0) {
                    sha.update(buf, 0, k);
                    git.update(buf, 0, k);
                }
            }
            return new LocalFile(name, file, content, size, Hashes.hex(sha), Hashes.hex(git));
        } catch (IOException e) {
            throw new IoFailureException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code POST /api/repos/create}; 409 means it exists already. Returns true when it was created now. */
    private boolean createRepo(String repoId, boolean makePrivate) {
        String[] parts = repoId.split("/", 2);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("name", parts[1]);
        body.put("organization", parts[0]);
        body.put("type", "model");
        if (makePrivate) {
            body.put("visibility", "private");
        }
        for (int attempt = 1; ; attempt++) {
            var r = postJson(HubUrls.createRepo(http.settings().endpoint()), body, "application/json",
                    "creating repository '" + repoId + "'");
            int s = r.statusCode();
            if (s == 200 || s == 201) {
                HubHttp.close(r);
                return true;
            }
            if (s == 409) {
                String msg = HubErrors.message(r);
                if (msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("conflicting operation")
                        && attempt < http.retry().attempts()) {
                    http.retry().pause(http.retry().backoff(attempt));
                    continue;
                }
                return false;
            }
            HubErrors.check(r, http.settings(), repoId, "main", "creating the repository");
            return false;
        }
    }

    private void preupload(String repoId, String rev, List<LocalFile> files, Map<String, String> modes,
                           List<String> unchanged) {
        for (int i = 0; i < files.size(); i += BATCH) {
            List<LocalFile> chunk = files.subList(i, Math.min(files.size(), i + BATCH));
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode arr = body.putArray("files");
            Map<String, LocalFile> byPath = new LinkedHashMap<>();
            for (LocalFile f : chunk) {
                byte[] sample;
                try (InputStream in = f.open()) {
                    sample = in.readNBytes(512);
                } catch (IOException e) {
                    throw new IoFailureException("cannot read " + f.file() + ": " + e.getMessage(), e);
                }
                arr.addObject().put("path", f.path()).put("sample", Base64.getEncoder().encodeToString(sample))
                        .put("size", f.size());
                byPath.put(f.path(), f);
            }
            String what = "the upload plan (preupload) for '" + repoId + "'";
            var r = postJson(HubUrls.preupload(http.settings().endpoint(), repoId, rev), body, "application/json", what);
            checkBranch(r, repoId, rev);
            HubErrors.check(r, http.settings(), repoId, rev, what);
            JsonNode answer = readJson(r, what);
            for (JsonNode f : answer.path("files")) {
                String path = f.path("path").asText();
                LocalFile local = byPath.remove(path);
                if (local == null) {
                    continue;
                }
                String mode = f.path("uploadMode").asText("");
                if (!mode.equals("lfs") && !mode.equals("regular")) {
                    throw new BadInputException("the Hub answered upload mode '" + mode + "' for '" + path
                            + "'; expected 'lfs' or 'regular'");
                }
                if (local.size() == 0) {
                    mode = "regular";
                }
                if (f.path("shouldIgnore").asBoolean(false)) {
                    http.notice("the Hub ignores '" + path + "' (.gitignore); not uploaded");
                    continue;
                }
                String remoteOid = f.path("oid").asText(null);
                String localOid = mode.equals("lfs") ? local.sha256() : local.gitSha1();
                if (remoteOid != null && remoteOid.equals(localOid)) {
                    unchanged.add(path);
                    continue;
                }
                modes.put(path, mode);
            }
            if (!byPath.isEmpty()) {
                throw new BadInputException("the Hub's preupload answer does not mention " + byPath.keySet());
            }
        }
    }

    private void uploadLfs(String repoId, String rev, List<LocalFile> lfs) {
        for (int i = 0; i < lfs.size(); i += BATCH) {
            List<LocalFile> chunk = lfs.subList(i, Math.min(lfs.size(), i + BATCH));
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("operation", "upload");
            body.putArray("transfers").add("basic").add("multipart");
            ArrayNode objs = body.putArray("objects");
            Map<String, LocalFile> byOid = new LinkedHashMap<>();
            for (LocalFile f : chunk) {
                if (byOid.putIfAbsent(f.sha256(), f) == null) {
                    objs.addObject().put("oid", f.sha256()).put("size", f.size());
                }
            }
            body.put("hash_algo", "sha256");
            body.putObject("ref").put("name", rev);
            String what = "the LFS upload plan for '" + repoId + "'";
            var r = postJson(HubUrls.lfsBatch(http.settings().endpoint(), repoId), body, LFS_JSON, what);
            HubErrors.check(r, http.settings(), repoId, rev, what);
            JsonNode answer = readJson(r, what);
            for (JsonNode o : answer.path("objects")) {
                LocalFile f = byOid.get(o.path("oid").asText());
                if (f == null) {
                    continue;
                }
                if (o.has("error")) {
                    throw new IoFailureException("the Hub refused to store '" + f.path() + "': "
                            + o.path("error").path("message").asText("") + " (code " + o.path("error").path("code").asText()
                            + ")", null);
                }
                JsonNode actions = o.path("actions");
                listener.fileStarted(f.path(), f.size());
                if (actions.has("upload")) {
                    JsonNode up = actions.get("upload");
                    if (up.path("header").has("chunk_size")) {
                        uploadMultipart(f, up);
                    } else {
                        uploadBasic(f, up);
                    }
                    if (actions.has("verify")) {
                        verify(f, actions.get("verify"));
                    }
                } else {
                    listener.bytes(f.path(), f.size());
                }
                listener.fileFinished(f.path(), f.size());
            }
        }
    }

    private void uploadBasic(LocalFile f, JsonNode action) {
        Map<String, String> headers = new LinkedHashMap<>();
        action.path("header").fields().forEachRemaining(e -> {
            // Headers the HTTP client sets itself (and refuses to take from us) are left out.
            if (!RESTRICTED.contains(e.getKey().toLowerCase(java.util.Locale.ROOT))) {
                headers.put(e.getKey(), e.getValue().asText());
            }
        });
        HttpRequest.BodyPublisher body = f.content() != null ? HttpRequest.BodyPublishers.ofByteArray(f.content())
                : ofFile(f.file());
        var r = http.send("PUT", URI.create(action.path("href").asText()), headers, body, "'" + f.path() + "'");
        checkTransfer(r, f, "upload");
        HubHttp.close(r);
        listener.bytes(f.path(), f.size());
    }

    /** git-lfs multipart: PUT each presigned part, collect the ETags, then POST the completion. */
    private void uploadMultipart(LocalFile f, JsonNode action) {
        JsonNode header = action.get("header");
        long chunk = header.path("chunk_size").asLong();
        List<String> urls = new ArrayList<>();
        for (int i = 1; header.has(String.valueOf(i)); i++) {
            urls.add(header.get(String.valueOf(i)).asText());
        }
        long expected = chunk <= 0 ? -1 : (f.size() + chunk - 1) / chunk;
        if (chunk <= 0 || urls.size() != expected) {
            throw new BadInputException("the Hub's multipart plan for '" + f.path() + "' has " + urls.size()
                    + " part URLs for " + f.size() + " bytes in chunks of " + chunk + " (expected " + expected + ")");
        }
        ObjectNode completion = Json.MAPPER.createObjectNode();
        completion.put("oid", f.sha256());
        ArrayNode parts = completion.putArray("parts");
        for (int i = 0; i < urls.size(); i++) {
            long from = i * chunk;
            long len = Math.min(chunk, f.size() - from);
            HttpRequest.BodyPublisher body = slice(f, from, len);
            var r = http.send("PUT", URI.create(urls.get(i)), Map.of(), body, "part " + (i + 1) + " of '" + f.path() + "'");
            checkTransfer(r, f, "upload of part " + (i + 1));
            String etag = r.headers().firstValue("etag").orElse(null);
            HubHttp.close(r);
            if (etag == null) {
                throw new IoFailureException("the storage answered part " + (i + 1) + " of '" + f.path()
                        + "' without an ETag", null);
            }
            parts.addObject().put("partNumber", i + 1).put("etag", etag);
            listener.bytes(f.path(), len);
        }
        var r = postJson(URI.create(action.path("href").asText()), completion, LFS_JSON,
                "completing the upload of '" + f.path() + "'");
        checkTransfer(r, f, "completion");
        HubHttp.close(r);
    }

    private void verify(LocalFile f, JsonNode action) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("oid", f.sha256()).put("size", f.size());
        var r = postJson(URI.create(action.path("href").asText()), body, LFS_JSON, "verifying '" + f.path() + "'");
        checkTransfer(r, f, "verification");
        HubHttp.close(r);
    }

    private JsonNode commit(String repoId, String rev, String message, List<LocalFile> files, Map<String, String> modes) {
        StringBuilder nd = new StringBuilder();
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.put("key", "header");
        header.putObject("value").put("summary", message).put("description", "");
        nd.append(header).append('\n');
        for (LocalFile f : files) {
            ObjectNode op = Json.MAPPER.createObjectNode();
            if (modes.get(f.path()).equals("lfs")) {
                op.put("key", "lfsFile");
                op.putObject("value").put("path", f.path()).put("algo", "sha256").put("oid", f.sha256())
                        .put("size", f.size());
            } else {
                byte[] content;
                try {
                    content = f.bytes();
                } catch (IOException e) {
                    throw new IoFailureException("cannot read " + f.file() + ": " + e.getMessage(), e);
                }
                op.put("key", "file");
                op.putObject("value").put("content", Base64.getEncoder().encodeToString(content))
                        .put("path", f.path()).put("encoding", "base64");
                listener.fileStarted(f.path(), f.size());
                listener.bytes(f.path(), f.size());
                listener.fileFinished(f.path(), f.size());
            }
            nd.append(op).append('\n');
        }
        String what = "the commit to '" + repoId + "'";
        var r = http.sendOnce("POST", HubUrls.commit(http.settings().endpoint(), repoId, rev),
                HubHttp.headers("content-type", "application/x-ndjson"),
                HttpRequest.BodyPublishers.ofString(nd.toString(), StandardCharsets.UTF_8), what);
        checkBranch(r, repoId, rev);
        HubErrors.check(r, http.settings(), repoId, rev, what);
        return readJson(r, what);
    }

    /** A push to a branch that does not exist: say so in terms of --revision. */
    private static void checkBranch(HttpResponse<InputStream> r, String repoId, String rev) {
        if (r.statusCode() == 404 && "RevisionNotFound".equals(HubErrors.code(r))) {
            HubHttp.close(r);
            throw new ConfigException("branch '" + rev + "' does not exist in '" + repoId + "': create it on the Hub"
                    + " first, or push without --revision (to main)");
        }
    }

    private HttpResponse<InputStream> postJson(URI uri, JsonNode body, String type, String what) {
        return http.send("POST", uri, HubHttp.headers("content-type", type, "accept", type),
                HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8), what);
    }

    private void checkTransfer(HttpResponse<InputStream> r, LocalFile f, String step) {
        if (r.statusCode() >= 300) {
            String msg = HubErrors.message(r);
            throw new IoFailureException("the " + step + " of '" + f.path() + "' failed with HTTP " + r.statusCode()
                    + (msg == null ? "" : ": " + msg), null);
        }
    }

    private static JsonNode readJson(HttpResponse<InputStream> r, String what) {
        byte[] body = HubHttp.readAll(r, what);
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            return n == null ? Json.MAPPER.createObjectNode() : n;
        } catch (IOException e) {
            throw new BadInputException("the Hub's answer to " + what + " is not valid JSON: " + e.getMessage());
        }
    }

    private static HttpRequest.BodyPublisher ofFile(Path p) {
        try {
            return HttpRequest.BodyPublishers.ofFile(p);
        } catch (IOException e) {
            throw new IoFailureException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** {@code len} bytes from {@code from}, streamed from disk (parts can be large; nothing is buffered whole). */
    private static HttpRequest.BodyPublisher slice(LocalFile f, long from, long len) {
        if (f.content() != null) {
            return HttpRequest.BodyPublishers.ofByteArray(f.content(), (int) from, (int) len);
        }
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                InputStream in = Files.newInputStream(f.file());
                in.skipNBytes(from);
                return new BoundedInputStream(in, len);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), len);
    }

    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
