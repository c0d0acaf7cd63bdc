package dev.amalgam.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.util.Json;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Turns a failed Hub answer into a message a user can act on (formats.md §4 "Errors"): the Hub says what went
 * wrong in {@code X-Error-Code} (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo); a 401 on a repository
 * also means private or gated without a token, 403 a token without the needed scope.
 */
final class HubErrors {
    private HubErrors() {
    }

    /** The Hub's error code header, or null. */
    static String code(HttpResponse<?> r) {
        return r.headers().firstValue("x-error-code").orElse(null);
    }

    /** Throws a user-facing error for any status of 400 and above; consumes the body then. */
    static void check(HttpResponse<InputStream> r, HubSettings s, String repoId, String revision, String what) {
        if (r.statusCode() < 400) {
            return;
        }
        String message = message(r);
        throw error(r.statusCode(), code(r), message, s, repoId, revision, what);
    }

    static AmalgamException error(int status, String code, String serverMessage, HubSettings s, String repoId,
                                  String revision, String what) {
        String detail = serverMessage == null || serverMessage.isBlank() ? "" : " (the Hub said: " + serverMessage + ")";
        String where = s.endpoint().toString();
        boolean token = s.token() != null;
        if ("GatedRepo".equals(code)) {
            return new ConfigException("'" + repoId + "' is a gated repository: accept its conditions at " + where + "/"
                    + repoId + " while logged in, then " + (token ? "use a token of that account (the token in use"
                    + " has not been granted access)" : "set HF_TOKEN or run `huggingface-cli login` (no token is set)")
                    + detail);
        }
        if ("RevisionNotFound".equals(code)) {
            return new ConfigException("revision '" + revision + "' of '" + repoId + "' does not exist on " + where
                    + ": check the branch, tag or commit after '@'" + detail);
        }
        if ("EntryNotFound".equals(code)) {
            return new ConfigException(what + " does not exist in '" + repoId + "' at revision " + revision + detail);
        }
        if ("RepoNotFound".equals(code) || status == 401 || status == 404 && code == null) {
            return new ConfigException("'" + repoId + "' was not found on " + where + ": the repository does not"
                    + " exist, or it is private or gated and " + (token ? "the token in use cannot see it"
                    : "no token is set (HF_TOKEN or the token file; run `huggingface-cli login`)")
                    + ". Check the name" + detail);
        }
        if (status == 403) {
            return new ConfigException("the Hub refused access to '" + repoId + "' (HTTP 403): the token lacks the"
                    + " permission needed for " + what + " (to push, use a token with write access)" + detail);
        }
        if (status == 429) {
            return new IoFailureException("the Hub kept rate-limiting requests for " + what + " (HTTP 429) after"
                    + " several retries; wait a while and try again" + (token ? "" : ", or set HF_TOKEN (signed-in"
                    + " users get higher limits)") + detail, null);
        }
        if (status >= 500) {
            return new IoFailureException("the Hub failed while serving " + what + " of '" + repoId + "' (HTTP "
                    + status + ", after retries); try again later" + detail, null);
        }
        return new ConfigException("the Hub answered HTTP " + status + " for " + what + " of '" + repoId + "'" + detail);
    }

    /** X-Error-Message, else an "error" field of a JSON body, else the start of a text body. */
    static String message(HttpResponse<InputStream> r) {
        String header = r.headers().firstValue("x-error-message").orElse(null);
        byte[] body = HubHttp.readAllQuietly(r);
        if (header != null) {
            return header;
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return null;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            if (n != null && n.hasNonNull("error")) {
                return n.get("error").asText();
            }
        } catch (Exception ignored) {
            // not JSON: fall through to the text
        }
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
