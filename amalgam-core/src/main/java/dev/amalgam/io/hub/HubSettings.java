package dev.amalgam.io.hub;

import dev.amalgam.io.model.HfCache;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the Hub is and who we are, read from the same environment variables as huggingface_hub
 * (formats.md §3, §4), so a user's existing setup works unchanged. Built from an explicit map, never from the
 * process environment directly, so tests can point everything at a temp folder and a local server.
 *
 * @param endpoint the Hub base URL, without a trailing slash ({@code HF_ENDPOINT}, default https://huggingface.co)
 * @param token    the access token, or null for anonymous access
 * @param offline  {@code HF_HUB_OFFLINE}: never touch the network, use only the cache
 * @param env      the environment the settings were read from (the proxy variables are looked up in it)
 */
public record HubSettings(URI endpoint, String token, boolean offline, HfCache cache, Map<String, String> env) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "on", "yes", "true");

    public HubSettings {
        String e = endpoint.toString();
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        endpoint = URI.create(e);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public static HubSettings fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, HfCache.fromEnvironment(env));
    }

    /** As {@link #fromEnvironment(Map)} but with the cache chosen by the caller (the CLI's --transformers-cache). */
    public static HubSettings fromEnvironment(Map<String, String> env, HfCache cache) {
        String ep = blankToNull(env.get("HF_ENDPOINT"));
        URI endpoint;
        try {
            endpoint = URI.create(ep == null ? DEFAULT_ENDPOINT : ep.trim());
        } catch (IllegalArgumentException e) {
            throw new dev.amalgam.error.ConfigException("HF_ENDPOINT '" + ep + "' is not a URL: " + e.getMessage());
        }
        if (endpoint.getHost() == null || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
            throw new dev.amalgam.error.ConfigException("HF_ENDPOINT '" + ep + "' must be an http:// or https:// URL"
                    + " such as " + DEFAULT_ENDPOINT);
        }
        String offline = blankToNull(env.get("HF_HUB_OFFLINE"));
        return new HubSettings(endpoint, token(env), offline != null
                && TRUE.contains(offline.trim().toLowerCase(Locale.ROOT)), cache, env);
    }

    /**
     * HF_TOKEN, else the legacy HUGGING_FACE_HUB_TOKEN, else the token file ($HF_TOKEN_PATH or $HF_HOME/token) with
     * whitespace stripped; empty means none [_auth.py get_token].
     */
    static String token(Map<String, String> env) {
        for (String var : new String[]{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            String t = blankToNull(env.get(var));
            if (t != null) {
                return t.strip();
            }
        }
        String pathVar = blankToNull(env.get("HF_TOKEN_PATH"));
        Path file = pathVar != null ? HfCache.expandPath(pathVar, env) : HfCache.hfHome(env).resolve("token");
        try {
            if (Files.isRegularFile(file)) {
                return blankToNull(Files.readString(file).strip());
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** The host the token may be sent to: requests elsewhere (CDN redirects) go without it. */
    public String host() {
        return endpoint.getHost();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
