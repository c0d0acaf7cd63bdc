package dev.amalgam.io.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** The Hub's URL shapes (formats.md §4, §5), for model repositories. */
final class HubUrls {
    private HubUrls() {
    }

    /** {@code {endpoint}/{repo}/resolve/{revision}/{path}}: revision encoded with nothing safe, path keeping '/'. */
    static URI resolve(URI endpoint, String repoId, String revision, String path) {
        return URI.create(endpoint + "/" + repoId + "/resolve/" + encode(revision, false) + "/" + encode(path, true));
    }

    /** {@code /api/models/{repo}/revision/{rev}?blobs=true}: the commit and the file list with sizes. */
    static URI modelInfo(URI endpoint, String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/revision/" + encode(revision, false) + "?blobs=true");
    }

    static URI createRepo(URI endpoint) {
        return URI.create(endpoint + "/api/repos/create");
    }

    static URI preupload(URI endpoint, String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/preupload/" + encode(revision, false));
    }

    static URI lfsBatch(URI endpoint, String repoId) {
        return URI.create(endpoint + "/" + repoId + ".git/info/lfs/objects/batch");
    }

    static URI commit(URI endpoint, String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/commit/" + encode(revision, false));
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters (and '/' when {@code keepSlash}). */
    static String encode(String s, boolean keepSlash) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~' || keepSlash && c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
