package dev.amalgam.io.hub;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.HfCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Downloads a batch of files, possibly from several repositories, into the cache with several files in flight
 * at once (a model's shards are independent, and one TCP stream rarely fills a fast link). Metadata is asked
 * for first so the overall progress knows the total; files already in their snapshot cost no request.
 */
public final class Downloader {
    /** One file to fetch: repo, pinned commit and path. */
    public record Item(String repoId, String commit, String path) {
    }

    private final HubHttp http;
    private final HfCache cache;
    private final int parallelism;

    public Downloader(HubHttp http, int parallelism) {
        this.http = http;
        this.cache = http.settings().cache();
        this.parallelism = Math.max(1, parallelism);
    }

    /** Fetches every item; returns the snapshot paths in the same order. */
    public List<Path> fetch(List<Item> items, TransferListener listener) {
        List<Path> out = new ArrayList<>();
        List<Item> missing = new ArrayList<>();
        for (Item it : items) {
            Path p = new CacheRepo(cache, it.repoId()).snapshotFile(it.commit(), it.path());
            out.add(p);
            if (!Files.isRegularFile(p)) {
                missing.add(it);
            }
        }
        if (missing.isEmpty()) {
            return out;
        }
        FileDownloader fd = new FileDownloader(http, cache);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, missing.size()), r -> {
            Thread t = new Thread(r, "hub-download");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<FileDownloader.Metadata>> metas = new ArrayList<>();
            for (Item it : missing) {
                metas.add(pool.submit(() -> fd.metadata(it.repoId(), it.commit(), it.path())
                        .orElseThrow(() -> new dev.amalgam.error.BadInputException("'" + it.path()
                                + "' is listed in '" + it.repoId() + "' but the Hub says it does not exist at commit "
                                + it.commit()))));
            }
            List<FileDownloader.Metadata> resolved = new ArrayList<>();
            for (Future<FileDownloader.Metadata> f : metas) {
                resolved.add(await(f));
            }
            long total = resolved.stream().mapToLong(FileDownloader.Metadata::size).sum();
            listener.batchStarted(missing.size(), total);
            List<Future<Path>> downloads = new ArrayList<>();
            for (int i = 0; i < missing.size(); i++) {
                Item it = missing.get(i);
                FileDownloader.Metadata m = resolved.get(i);
                CacheRepo repo = new CacheRepo(cache, it.repoId());
                downloads.add(pool.submit(() -> fd.fetch(repo, it.path(), m, listener)));
            }
            for (Future<Path> f : downloads) {
                await(f);
            }
            listener.batchFinished();
            return out;
        } finally {
            // On a failure the other files are abandoned; wait for their threads to clean up their temporary
            // files, so nothing is still writing into the cache once this method has returned.
            pool.shutdownNow();
            try {
                pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.amalgam.error.InterruptedMergeException("interrupted while downloading from the Hub");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AmalgamException ae) {
                throw ae;
            }
            throw new IoFailureException("download failed: " + e.getCause(), e.getCause());
        }
    }
}
