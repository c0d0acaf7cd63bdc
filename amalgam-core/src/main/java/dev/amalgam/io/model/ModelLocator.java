package dev.amalgam.io.model;

import dev.amalgam.config.ModelReference;
import dev.amalgam.error.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a model reference from a recipe into a local folder. Like mergekit, a path is first taken relative to the
 * working directory; Amalgam then also tries it relative to the recipe's folder (so recipes that sit next to
 * their models run from anywhere), then looks the reference up as a Hub repo id: through the {@link HubSource}
 * when one is given (the Hub client, which also knows the cache and offline mode), else in the local cache only.
 */
public final class ModelLocator {
    private final Path workDir;
    private final Path recipeDir;
    private final HfCache cache;
    private final HubSource hub;

    public ModelLocator(Path workDir, Path recipeDir, HfCache cache) {
        this(workDir, recipeDir, cache, null);
    }

    /** @param hub where Hub models come from; null to use only what the cache already holds */
    public ModelLocator(Path workDir, Path recipeDir, HfCache cache, HubSource hub) {
        this.workDir = workDir;
        this.recipeDir = recipeDir;
        this.cache = cache;
        this.hub = hub;
    }

    /**
     * Opens a recipe's model: a local folder as is; a Hub id through the {@link HubSource} (headers only, the
     * weights are downloaded after validation), else from the cache.
     */
    public ModelFolder open(ModelReference ref) {
        List<String> looked = new ArrayList<>();
        if (hub != null && findLocal(ref.path(), ref.revision(), "model", looked) == null
                && HfCache.looksLikeRepoId(ref.path())) {
            try {
                return hub.open(ref.path(), ref.revision(), "model");
            } catch (ConfigException e) {
                // A relative path with a typo also looks like a repo id: say where a local folder was looked for.
                throw new ConfigException(e.getMessage() + "\nNo local folder of that name either; looked in:\n  - "
                        + String.join("\n  - ", looked), e);
            }
        }
        return ModelFolder.open(locate(ref));
    }

    /** True when {@code dir} lies inside the Hugging Face cache, i.e. the model came from the Hub. */
    public boolean isInHubCache(Path dir) {
        return dir.toAbsolutePath().normalize().startsWith(cache.root().toAbsolutePath().normalize());
    }

    public Path locate(ModelReference ref) {
        return locate(ref.path(), ref.revision(), "model");
    }

    /** Locates a path or repo id; {@code what} names it in errors ("model", "LoRA adapter"). */
    public Path locate(String pathOrRepo, String revision, String what) {
        List<String> looked = new ArrayList<>();
        Path local = findLocal(pathOrRepo, revision, what, looked);
        if (local != null) {
            return local;
        }
        if (hub != null && HfCache.looksLikeRepoId(pathOrRepo)) {
            return hub.download(pathOrRepo, revision, what);
        }
        if (HfCache.looksLikeRepoId(pathOrRepo)) {
            var snap = cache.snapshot(pathOrRepo, revision);
            if (snap.isPresent()) {
                return snap.get();
            }
            looked.add("Hugging Face cache: " + cache.describeLookup(pathOrRepo, revision));
        }
        String hint = HfCache.looksLikeRepoId(pathOrRepo)
                ? "\nIt is not in the local Hugging Face cache either: download it first (for example with"
                + " `amalgam download " + pathOrRepo + "`), or fix the path."
                : "\nCheck the path: relative paths are resolved against the working directory, then the recipe's"
                + " folder.";
        throw new ConfigException(what + " '" + pathOrRepo + (revision == null ? "" : "@" + revision)
                + "' was not found. Looked in:\n  - " + String.join("\n  - ", looked) + hint);
    }

    /** The local folder a path names (tried against the working then the recipe folder), or null. */
    private Path findLocal(String pathOrRepo, String revision, String what, List<String> looked) {
        String expanded = pathOrRepo.equals("~") || pathOrRepo.startsWith("~/")
                ? System.getProperty("user.home") + pathOrRepo.substring(1) : pathOrRepo;
        Path p = Path.of(expanded);
        List<Path> candidates = new ArrayList<>();
        if (p.isAbsolute()) {
            candidates.add(p);
        } else {
            candidates.add(workDir.resolve(p));
            if (recipeDir != null && !recipeDir.equals(workDir)) {
                candidates.add(recipeDir.resolve(p));
            }
        }
        for (Path c : candidates) {
            Path n = c.toAbsolutePath().normalize();
            if (Files.isDirectory(n)) {
                if (revision != null) {
                    throw new ConfigException(what + " '" + pathOrRepo + "@" + revision + "' is a local folder (" + n
                            + "); a revision (@" + revision + ") only applies to Hub repositories");
                }
                return n;
            }
            looked.add(n.toString());
        }
        return null;
    }

    /**
     * Locates a file named in a recipe (a side-input file such as a Fisher or Gram file): relative paths are tried
     * against the working directory, then the recipe's folder, as for model folders.
     */
    public Path locateFile(String path, String what) {
        String expanded = path.equals("~") || path.startsWith("~/")
                ? System.getProperty("user.home") + path.substring(1) : path;
        Path p = Path.of(expanded);
        List<Path> candidates = new ArrayList<>();
        if (p.isAbsolute()) {
            candidates.add(p);
        } else {
            candidates.add(workDir.resolve(p));
            if (recipeDir != null && !recipeDir.equals(workDir)) {
                candidates.add(recipeDir.resolve(p));
            }
        }
        List<String> looked = new ArrayList<>();
        for (Path c : candidates) {
            Path n = c.toAbsolutePath().normalize();
            if (Files.isRegularFile(n)) {
                return n;
            }
            looked.add(n + (Files.isDirectory(n) ? " (a folder, not a file)" : ""));
        }
        throw new ConfigException(what + " '" + path + "' was not found. Looked in:\n  - "
                + String.join("\n  - ", looked) + "\nRelative paths are resolved against the working directory,"
                + " then the recipe's folder.");
    }
}
