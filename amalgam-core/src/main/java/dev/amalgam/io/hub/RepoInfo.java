package dev.amalgam.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.error.BadInputException;
import dev.amalgam.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Hub says a model repository holds at a revision: the commit it resolves to and its files
 * ({@code GET /api/models/{repo}/revision/{rev}?blobs=true}, formats.md §4 "Model info").
 *
 * @param commit the 40-hex commit the revision pointed at when asked
 */
public record RepoInfo(String repoId, String commit, Map<String, RepoFile> files) {
    /**
     * One file of the repository.
     *
     * @param size      bytes, or -1 when the Hub did not say
     * @param lfsSha256 the LFS object id for LFS files, else null
     */
    public record RepoFile(String name, long size, String blobId, String lfsSha256) {
    }

    public boolean has(String name) {
        return files.containsKey(name);
    }

    public Optional<RepoFile> file(String name) {
        return Optional.ofNullable(files.get(name));
    }

    static RepoInfo fetch(HubHttp http, String repoId, String revision) {
        URI uri = HubUrls.modelInfo(http.settings().endpoint(), repoId, revision);
        String what = "the file list of '" + repoId + "'";
        var r = http.send("GET", uri, HubHttp.headers("accept", "application/json"),
                HttpRequest.BodyPublishers.noBody(), what);
        HubErrors.check(r, http.settings(), repoId, revision, what);
        byte[] body = HubHttp.readAll(r, what);
        return parse(repoId, body, uri);
    }

    static RepoInfo parse(String repoId, byte[] body, URI from) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadInputException("the Hub's answer from " + from + " is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.path("sha").isTextual() || !root.path("siblings").isArray()) {
            throw new BadInputException("the Hub's answer from " + from + " has no \"sha\" and \"siblings\"");
        }
        String sha = root.get("sha").asText();
        if (!sha.matches("[0-9a-f]{40}")) {
            throw new BadInputException("the Hub's answer from " + from + " names commit '" + sha
                    + "', which is not a 40-hex commit id");
        }
        Map<String, RepoFile> files = new LinkedHashMap<>();
        List<String> bad = new ArrayList<>();
        for (JsonNode s : root.get("siblings")) {
            String name = s.path("rfilename").asText(null);
            if (name == null || RepoPaths.problem(name) != null) {
                bad.add(String.valueOf(name));
                continue;
            }
            JsonNode lfs = s.path("lfs");
            long size = s.path("size").isNumber() ? s.get("size").asLong()
                    : lfs.path("size").isNumber() ? lfs.get("size").asLong() : -1;
            files.put(name, new RepoFile(name, size, s.path("blobId").asText(null),
                    lfs.path("sha256").isTextual() ? lfs.get("sha256").asText() : null));
        }
        if (!bad.isEmpty()) {
            throw new BadInputException("the Hub lists unsafe file names for '" + repoId + "' (" + String.join(", ", bad)
                    + "); refusing to write them into the cache");
        }
        return new RepoInfo(repoId, sha, files);
    }
}
