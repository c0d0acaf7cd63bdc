package dev.amalgam.io.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub cache on disk (formats.md §3), shared with the Python tools:
 * {@code <cache>/models--ORG--NAME/{refs/<rev>, snapshots/<commit>/...}}.
 */
public final class HfCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9_.\\-]{1,96}/)?[A-Za-z0-9_.\\-]{1,96}");

    private final Path root;

    public HfCache(Path root) {
        this.root = root;
    }

    /**
     * The cache root as huggingface_hub computes it: HF_HUB_CACHE, then the legacy HUGGINGFACE_HUB_CACHE, then
     * $HF_HOME/hub, where HF_HOME defaults to $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface.
     */
    public static HfCache fromEnvironment(Map<String, String> env) {
        String hubCache = nonEmpty(env.get("HF_HUB_CACHE"));
        if (hubCache == null) {
            hubCache = nonEmpty(env.get("HUGGINGFACE_HUB_CACHE"));
        }
        if (hubCache != null) {
            return new HfCache(expand(hubCache, env));
        }
        return new HfCache(hfHome(env).resolve("hub"));
    }

    /** HF_HOME: the variable, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (formats.md §3). */
    public static Path hfHome(Map<String, String> env) {
        String hfHome = nonEmpty(env.get("HF_HOME"));
        if (hfHome != null) {
            return expand(hfHome, env);
        }
        String xdg = nonEmpty(env.get("XDG_CACHE_HOME"));
        return xdg != null ? expand(xdg, env).resolve("huggingface")
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface");
    }

    /** Expands a leading {@code ~} and {@code $VAR}/{@code ${VAR}} references as huggingface_hub does. */
    public static Path expandPath(String p, Map<String, String> env) {
        return expand(p, env);
    }

    public Path root() {
        return root;
    }

    /** True when the text has the shape of a Hub repo id ({@code name} or {@code namespace/name}). */
    public static boolean looksLikeRepoId(String text) {
        return REPO_ID.matcher(text).matches() && !text.contains("--") && !text.contains("..")
                && !text.startsWith(".") && !text.startsWith("-") && !text.endsWith(".git");
    }

    /** The folder for a model repo: {@code models--ORG--NAME}. */
    public Path repoFolder(String repoId) {
        return root.resolve("models--" + repoId.replace("/", "--"));
    }

    /**
     * The snapshot folder of a repo at a revision (a commit hash, or a branch/tag resolved through refs/), if the
     * cache holds it.
     */
    public Optional<Path> snapshot(String repoId, String revision) {
        Path repo = repoFolder(repoId);
        String rev = revision == null ? "main" : revision;
        String commit;
        if (COMMIT.matcher(rev).matches()) {
            commit = rev;
        } else {
            Path ref = repo.resolve("refs").resolve(rev);
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            try {
                commit = Files.readString(ref).trim();
            } catch (IOException e) {
                return Optional.empty();
            }
            if (!COMMIT.matcher(commit).matches()) {
                return Optional.empty();
            }
        }
        Path snap = repo.resolve("snapshots").resolve(commit);
        return Files.isDirectory(snap) ? Optional.of(snap) : Optional.empty();
    }

    /** Where {@link #snapshot} looked, for error messages. */
    public String describeLookup(String repoId, String revision) {
        String rev = revision == null ? "main" : revision;
        Path repo = repoFolder(repoId);
        return COMMIT.matcher(rev).matches() ? repo.resolve("snapshots").resolve(rev).toString()
                : repo.resolve("refs").resolve(rev) + " -> " + repo.resolve("snapshots");
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static Path expand(String p, Map<String, String> env) {
        String s = p;
        if (s.equals("~") || s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        var m = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(sb);
        return Path.of(sb.toString());
    }
}
