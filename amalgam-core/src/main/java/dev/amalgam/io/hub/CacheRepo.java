package dev.amalgam.io.hub;

import dev.amalgam.error.IoFailureException;
import dev.amalgam.io.model.HfCache;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One repository's folder in the Hugging Face cache, written exactly as huggingface_hub writes it (formats.md §3)
 * so the Python tools reuse what Amalgam downloads and the other way round:
 * {@code blobs/<etag>} holds content, {@code snapshots/<commit>/<path>} is a relative symlink to the blob,
 * {@code refs/<rev>} names a commit, {@code .no_exist/<commit>/<path>} marks a missing file, and
 * {@code .locks/<repo folder>/<etag>.lock} serialises concurrent downloads of one blob. Every write is atomic
 * (a temporary name, then a rename), so an interrupted run never leaves a half-written file under a final name.
 */
final class CacheRepo {
    private final HfCache cache;
    private final String repoId;
    private final Path folder;

    CacheRepo(HfCache cache, String repoId) {
        this.cache = cache;
        this.repoId = repoId;
        this.folder = cache.repoFolder(repoId);
    }

    String repoId() {
        return repoId;
    }

    Path folder() {
        return folder;
    }

    Path blob(String etag) {
        return folder.resolve("blobs").resolve(etag);
    }

    Path snapshotDir(String commit) {
        return folder.resolve("snapshots").resolve(commit);
    }

    Path snapshotFile(String commit, String path) {
        RepoPaths.check(path, "'" + repoId + "'");
        Path p = snapshotDir(commit).resolve(path).normalize();
        if (!p.startsWith(snapshotDir(commit))) {
            throw new dev.amalgam.error.BadInputException("file name '" + path + "' escapes the snapshot folder");
        }
        return p;
    }

    Path noExistMarker(String commit, String path) {
        RepoPaths.check(path, "'" + repoId + "'");
        return folder.resolve(".no_exist").resolve(commit).resolve(path);
    }

    /** A process-unique temporary name for a blob being downloaded: {@code <etag>.<8hex>.incomplete}. */
    Path incomplete(String etag) {
        return folder.resolve("blobs").resolve(etag + "." + HexFormat.of().toHexDigits(
                ThreadLocalRandom.current().nextInt()) + ".incomplete");
    }

    /** {@code refs/<revision>} = commit, without newline, written atomically; {@code refs/pr/1} lives at refs/refs/pr/1. */
    void writeRef(String revision, String commit) {
        if (revision.equals(commit) || RepoPaths.problem(revision) != null) {
            return;
        }
        Path ref = folder.resolve("refs").resolve(revision);
        try {
            if (Files.isRegularFile(ref) && Files.readString(ref).trim().equals(commit)) {
                return;
            }
            writeAtomically(ref, commit);
        } catch (IOException e) {
            throw new IoFailureException("cannot write " + ref + ": " + e.getMessage(), e);
        }
    }

    /** Marks a file as known not to exist at a commit (what huggingface_hub does on EntryNotFound). */
    void markMissing(String commit, String path) {
        Path marker = noExistMarker(commit, path);
        try {
            Files.createDirectories(marker.getParent());
            if (!Files.exists(marker)) {
                Files.createFile(marker);
            }
        } catch (FileAlreadyExistsException ignored) {
            // another process marked it first
        } catch (IOException e) {
            throw new IoFailureException("cannot write " + marker + ": " + e.getMessage(), e);
        }
    }

    /**
     * Points {@code snapshots/<commit>/<path>} at {@code blobs/<etag>} with a relative symlink (one more
     * {@code ../} per subfolder level), made under a temporary name and renamed into place. Where the file system
     * has no symlinks (Windows without developer mode), the blob is copied instead, as huggingface_hub does.
     */
    Path link(String commit, String path, String etag) {
        Path target = snapshotFile(commit, path);
        Path blob = blob(etag);
        try {
            Files.createDirectories(target.getParent());
            Path relative = target.getParent().relativize(blob);
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + HexFormat.of().toHexDigits(
                    ThreadLocalRandom.current().nextInt()) + ".tmp");
            try {
                Files.createSymbolicLink(tmp, relative);
            } catch (UnsupportedOperationException | IOException e) {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            move(tmp, target);
            return target;
        } catch (IOException e) {
            throw new IoFailureException("cannot link " + target + " to " + blob + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code CACHEDIR.TAG} in the cache root, as newer clients do, so backup tools skip the cache. */
    void tagCacheDir() {
        Path tag = cache.root().resolve("CACHEDIR.TAG");
        if (Files.exists(tag)) {
            return;
        }
        try {
            Files.createDirectories(cache.root());
            writeAtomically(tag, "Signature: 8a477f597d28d172789f06886806bc55\n"
                    + "# This file is a cache directory tag created by huggingface_hub.\n"
                    + "# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n");
        } catch (IOException ignored) {
            // only a courtesy to backup tools
        }
    }

    /** Best-effort inter-process lock on one blob ({@code .locks/<repo folder>/<etag>.lock}); null when unsupported. */
    Lock lock(String etag) {
        Path file = cache.root().resolve(".locks").resolve(folder.getFileName().toString()).resolve(etag + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                return new Lock(ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                ch.close();
                return new Lock(null, null);
            }
        } catch (IOException e) {
            return new Lock(null, null);
        }
    }

    record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (lock != null) {
                    lock.release();
                }
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // released when the process ends
            }
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + HexFormat.of().toHexDigits(
                ThreadLocalRandom.current().nextInt()) + ".tmp");
        Files.writeString(tmp, text);
        move(tmp, file);
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
