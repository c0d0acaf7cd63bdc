package dev.amalgam.io.hub;

import dev.amalgam.error.BadInputException;
import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.HubSource;
import dev.amalgam.io.model.ModelFiles;
import dev.amalgam.io.model.ModelFolder;
import dev.amalgam.io.safetensors.SafetensorsFile;
import dev.amalgam.io.safetensors.SafetensorsHeader;
import dev.amalgam.output.SideFiles;
import dev.amalgam.plan.JobInput;
import dev.amalgam.plan.LoadedModel;
import dev.amalgam.plan.MergePlan;
import dev.amalgam.plan.TensorJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Recipe models from the Hub, in two steps so a bad recipe fails before gigabytes move (DESIGN.md principle 4):
 * {@link #open} pins the revision to a commit, downloads only config.json and the shard index into the cache and
 * reads each shard's header with range requests; after planning, {@link #fetchFor} downloads exactly the shards
 * the plan reads plus the donor's tokenizer files. Pickled weights are never fetched. With
 * {@code HF_HUB_OFFLINE=1}, or when the Hub cannot be reached, the cache alone is used.
 */
public final class HubModels implements HubSource {
    /** Weight formats Amalgam never downloads (unpickling can run arbitrary code, formats.md §2.4). */
    public static final List<String> PICKLE_PATTERNS = List.of("*.bin", "*.pt", "*.pth", "*.pkl", "*.pickle", "*.ckpt");

    private record Remote(String repoId, RepoInfo info) {
    }

    private final Supplier<HubHttp> httpSource;
    private final int parallelism;
    private HubHttp http;
    private Downloader downloader;
    private final TransferListener listener;
    private final Consumer<String> warnings;
    private final Map<Path, Remote> remotes = new ConcurrentHashMap<>();

    public HubModels(HubHttp http, int parallelism, TransferListener listener, Consumer<String> warnings) {
        this(() -> http, parallelism, listener, warnings);
    }

    /**
     * With the client made on first use, so a merge of local folders never reads the Hub settings (token file,
     * endpoint) at all.
     */
    public HubModels(Supplier<HubHttp> http, int parallelism, TransferListener listener,
                     Consumer<String> warnings) {
        this.httpSource = http;
        this.parallelism = parallelism;
        this.listener = listener;
        this.warnings = warnings;
    }

    @Override
    public ModelFolder open(String repoId, String revision, String what) {
        RepoInfo info = resolve(repoId, revision, what);
        if (info == null) {
            Path snap = cached(repoId, revision, what);
            try {
                return ModelFolder.open(snap);
            } catch (BadInputException e) {
                // Typically a snapshot that `validate` filled with config.json only.
                throw new BadInputException(e.getMessage() + "\nThe cache holds only part of '"
                        + repoId + "' (a validation reads headers without downloading weights); run once with"
                        + " the Hub reachable and HF_HUB_OFFLINE unset to download it.", e);
            }
        }
        CacheRepo repo = new CacheRepo(http().settings().cache(), repoId);
        Path snap = repo.snapshotDir(info.commit());
        List<Downloader.Item> small = new ArrayList<>();
        if (info.has("config.json")) {
            small.add(new Downloader.Item(repoId, info.commit(), "config.json"));
        }
        if (!info.has(ModelFolder.SINGLE_FILE) && info.has(ModelFolder.INDEX_FILE)) {
            small.add(new Downloader.Item(repoId, info.commit(), ModelFolder.INDEX_FILE));
        }
        downloader().fetch(small, TransferListener.NONE);
        try {
            Files.createDirectories(snap);
        } catch (IOException e) {
            throw new IoFailureException("cannot create " + snap + ": " + e.getMessage(), e);
        }
        remotes.put(snap.toAbsolutePath().normalize(), new Remote(repoId, info));
        return ModelFolder.open(snap, new RemoteFiles(info, snap));
    }

    @Override
    public Path download(String repoId, String revision, String what) {
        return downloadMatching(repoId, revision, List.of(), PICKLE_PATTERNS, what).snapshot();
    }

    /** What {@link #downloadMatching} fetched. */
    public record Snapshot(Path snapshot, String commit, List<String> files, List<String> skipped) {
    }

    /**
     * Downloads the files of a repository that match one of {@code include} (all when empty) and none of
     * {@code exclude}, with huggingface_hub's fnmatch pattern meaning.
     */
    public Snapshot downloadMatching(String repoId, String revision, List<String> include, List<String> exclude,
                                     String what) {
        RepoInfo info = resolve(repoId, revision, what);
        if (info == null) {
            Path snap = cached(repoId, revision, what);
            return new Snapshot(snap, snap.getFileName().toString(), List.of(), List.of());
        }
        List<Downloader.Item> items = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String name : info.files().keySet()) {
            boolean in = include.isEmpty() || Globs.matchesAny(name, include);
            if (in && !Globs.matchesAny(name, exclude)) {
                items.add(new Downloader.Item(repoId, info.commit(), name));
                names.add(name);
            } else {
                skipped.add(name);
            }
        }
        downloader().fetch(items, listener);
        Path snap = new CacheRepo(http().settings().cache(), repoId).snapshotDir(info.commit());
        try {
            Files.createDirectories(snap);
        } catch (IOException e) {
            throw new IoFailureException("cannot create " + snap + ": " + e.getMessage(), e);
        }
        return new Snapshot(snap, info.commit(), names, skipped);
    }

    /**
     * Downloads what the plan needs from the Hub: the shards holding the tensors its jobs read and the donor's
     * tokenizer and generation files. Shards no job reads (layers outside every slice) are not downloaded.
     */
    public void fetchFor(MergePlan plan) {
        if (remotes.isEmpty()) {
            return;
        }
        Map<Remote, Set<String>> needs = new LinkedHashMap<>();
        for (TensorJob job : plan.jobs()) {
            for (JobInput in : job.inputs()) {
                Remote r = remoteOf(in.model());
                if (r != null) {
                    Path rel = in.model().dir().toAbsolutePath().normalize()
                            .relativize(in.location().shard().toAbsolutePath().normalize());
                    needs.computeIfAbsent(r, k -> new LinkedHashSet<>()).add(rel.toString().replace('\\', '/'));
                }
            }
        }
        Remote donor = remoteOf(plan.donor());
        if (donor != null) {
            for (String f : SideFiles.TOKENIZER_FILES) {
                if (donor.info().has(f)) {
                    needs.computeIfAbsent(donor, k -> new LinkedHashSet<>()).add(f);
                }
            }
        }
        List<Downloader.Item> items = new ArrayList<>();
        needs.forEach((r, files) -> files.forEach(f -> items.add(new Downloader.Item(r.repoId(), r.info().commit(), f))));
        downloader().fetch(items, listener);
    }

    private synchronized HubHttp http() {
        if (http == null) {
            http = httpSource.get();
            downloader = new Downloader(http, parallelism);
        }
        return http;
    }

    private Downloader downloader() {
        http();
        return downloader;
    }

    private Remote remoteOf(LoadedModel m) {
        return remotes.get(m.dir().toAbsolutePath().normalize());
    }

    /** The commit and files at a revision; null when offline or unreachable (the caller falls back to the cache). */
    private RepoInfo resolve(String repoId, String revision, String what) {
        String rev = revision == null ? "main" : revision;
        if (http().settings().offline()) {
            return null;
        }
        try {
            RepoInfo info = RepoInfo.fetch(http(), repoId, rev);
            new CacheRepo(http().settings().cache(), repoId).writeRef(rev, info.commit());
            return info;
        } catch (IoFailureException e) {
            if (!(e.getCause() instanceof IOException)) {
                throw e;
            }
            var snap = http().settings().cache().snapshot(repoId, revision);
            if (snap.isEmpty()) {
                throw e;
            }
            warnings.accept("the Hub is unreachable (" + e.getMessage().lines().findFirst().orElse("") + "); using "
                    + what + " '" + repoId + "' from the cache at " + snap.get());
            return null;
        }
    }

    private Path cached(String repoId, String revision, String what) {
        var cache = http().settings().cache();
        return cache.snapshot(repoId, revision).orElseThrow(() -> new ConfigException(what + " '" + repoId
                + (revision == null ? "" : "@" + revision) + "' is not in the Hugging Face cache ("
                + cache.describeLookup(repoId, revision) + ")" + (http().settings().offline()
                ? " and HF_HUB_OFFLINE is set, so it cannot be downloaded. Unset HF_HUB_OFFLINE to download it."
                : ".")));
    }

    /** The repository's files as the Hub lists them; headers read locally when cached, else by range request. */
    private final class RemoteFiles implements ModelFiles {
        private final RepoInfo info;
        private final Path snap;

        RemoteFiles(RepoInfo info, Path snap) {
            this.info = info;
            this.snap = snap;
        }

        @Override
        public boolean exists(String name) {
            return info.has(name);
        }

        @Override
        public SafetensorsHeader header(String name, Path localPath) {
            if (Files.isRegularFile(localPath)) {
                return SafetensorsFile.readHeader(localPath);
            }
            return RemoteHeaders.fetch(http(), info.repoId(), info.commit(), name, localPath);
        }

        @Override
        public String describe() {
            return "'" + info.repoId() + "' at commit " + info.commit() + " (" + snap + ")";
        }
    }
}
