package dev.amalgam.output;

import dev.amalgam.error.ConfigException;
import dev.amalgam.error.InterruptedMergeException;
import dev.amalgam.error.IoMessages;
import dev.amalgam.error.IoFailureException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The output of a merge is written into a temporary folder beside the target and renamed into place only when
 * complete (DESIGN.md principle 5), so a crash, a full disk or Ctrl-C never leaves a half-written model that
 * looks finished, and an existing output is only replaced with {@code --force}. Temporary folders still open
 * when the JVM exits (Ctrl-C, SIGTERM) are removed by a shutdown hook; once shutdown has begun no output is
 * committed any more, so an interrupted merge can never rename a half-deleted folder into place.
 */
public final class OutputFolder implements AutoCloseable {
    /** Guards LIVE, REMOVED and SHUTTING_DOWN, and makes commit and the shutdown cleanup exclusive. */
    private static final Object LOCK = new Object();
    private static final Set<Path> LIVE = new LinkedHashSet<>();
    private static final List<Path> REMOVED = new ArrayList<>();
    private static final java.util.Map<Path, Path> CREATED_PARENTS = new java.util.HashMap<>();
    private static boolean shuttingDown;

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(OutputFolder::abandonAll, "amalgam-cleanup"));
        } catch (IllegalStateException e) {
            // first used from a shutdown hook: nothing can be live, and whoever calls abandonAll cleans up
        }
    }

    private final Path target;
    private final Path temp;
    private final boolean force;
    private boolean committed;

    private OutputFolder(Path target, Path temp, boolean force) {
        this.target = target;
        this.temp = temp;
        this.force = force;
    }

    /** Checks that {@code target} may be written and creates the temporary folder beside it. */
    public static OutputFolder create(Path target, boolean force) {
        Path abs = target.toAbsolutePath().normalize();
        checkTarget(abs, force);
        Path parent = abs.getParent();
        // the folders this merge creates above its output, removed again (when empty) if it does not finish
        Path firstCreated = null;
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
            firstCreated = p;
        }
        try {
            Files.createDirectories(parent);
            Path temp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".amalgam-partial-");
            synchronized (LOCK) {
                if (shuttingDown) {
                    deleteQuietly(temp);
                    removeEmptyParents(temp, firstCreated);
                    throw interrupted(abs);
                }
                LIVE.add(temp);
                if (firstCreated != null) {
                    CREATED_PARENTS.put(temp, firstCreated);
                }
            }
            return new OutputFolder(abs, temp, force);
        } catch (IOException e) {
            throw new IoFailureException("cannot create a temporary output folder in " + parent + ": "
                    + IoMessages.describe(e), e);
        }
    }

    /** The checks {@link #create} makes, usable before any work starts. */
    public static void checkTarget(Path target, boolean force) {
        Path abs = target.toAbsolutePath().normalize();
        if (abs.getParent() == null) {
            throw new ConfigException("output path " + target + " cannot be the file-system root");
        }
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new ConfigException("output path " + abs + " exists and is not a folder; choose another path");
            }
            if (!force) {
                throw new ConfigException("output folder " + abs + " already exists; pass --force to replace it, or"
                        + " choose another path (nothing was changed)");
            }
        }
    }

    public Path temp() {
        return temp;
    }

    public Path target() {
        return target;
    }

    /** Moves the finished folder into place, replacing an existing target only when forced. */
    public void commit() {
        Path old = null;
        synchronized (LOCK) {
            if (shuttingDown) {
                throw interrupted(target);
            }
            try {
                if (Files.exists(target)) {
                    if (!force) {
                        // keep the finished result: it is complete, and deleting it would lose the user's work
                        LIVE.remove(temp);
                        CREATED_PARENTS.remove(temp);
                        committed = true;
                        throw new ConfigException("output folder " + target + " appeared while merging; it was left"
                                + " as it was, and the finished result is in " + temp + " (move it yourself)");
                    }
                    old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".amalgam-old-");
                    Files.delete(old);
                    move(target, old);
                    LIVE.add(old);
                }
                move(temp, target);
                committed = true;
                LIVE.remove(temp);
                CREATED_PARENTS.remove(temp);
            } catch (IOException e) {
                throw new IoFailureException("cannot move the finished output from " + temp + " to " + target + ": "
                        + IoMessages.describe(e), e);
            }
        }
        if (old != null) {
            deleteQuietly(old);
            synchronized (LOCK) {
                LIVE.remove(old);
            }
        }
    }

    /**
     * Stops further commits and removes every unfinished output folder of this JVM. Runs as a shutdown hook; the
     * CLI calls it from its own hook too, to tell the user what was removed. Idempotent.
     *
     * @return every unfinished output folder removed this way so far
     */
    public static List<Path> abandonAll() {
        synchronized (LOCK) {
            shuttingDown = true;
            for (Path p : LIVE) {
                deleteQuietly(p);
                removeEmptyParents(p, CREATED_PARENTS.remove(p));
                if (p.getFileName().toString().contains(".amalgam-partial-")) {
                    REMOVED.add(p); // an old output set aside by a finished --force commit is not news to report
                }
            }
            LIVE.clear();
            return List.copyOf(REMOVED);
        }
    }

    /** True once the JVM has begun to shut down with a merge still writing (see {@link #abandonAll}). */
    public static boolean shuttingDown() {
        synchronized (LOCK) {
            return shuttingDown;
        }
    }

    private static InterruptedMergeException interrupted(Path target) {
        return new InterruptedMergeException("the merge was interrupted before its output was complete; " + target
                + " was not written and the unfinished output was removed");
    }

    /**
     * Refuses an output path inside an input model folder (the merge would write into its own input) and an
     * input inside the output path (replacing the output with --force would delete that input).
     *
     * @param inputs the folders the merge reads from
     */
    public static void checkAgainstInputs(Path target, Collection<Path> inputs) {
        Path out = resolved(target);
        for (Path in : new LinkedHashSet<>(inputs)) {
            Path inReal = resolved(in);
            if (out.startsWith(inReal)) {
                throw new ConfigException("output path " + target + (out.equals(inReal) ? " is" : " is inside")
                        + " the input model folder " + in + "; the merge would write into its own input. Choose an"
                        + " output path outside every input folder (nothing was changed)");
            }
            if (inReal.startsWith(out)) {
                throw new ConfigException("input model folder " + in + " is inside the output path " + target
                        + "; replacing the output would delete that input. Choose another output path (nothing was"
                        + " changed)");
            }
        }
    }

    /** Refuses an output path whose replacement (with --force) would delete {@code file}, e.g. the recipe itself. */
    public static void checkFileOutside(Path target, Path file, String what) {
        Path out = resolved(target);
        if (resolved(file).startsWith(out) && Files.exists(out)) {
            throw new ConfigException(what + " " + file + " is inside the output path " + target + "; replacing the"
                    + " output would delete it. Choose another output path (nothing was changed)");
        }
    }

    /** The real path of the deepest existing ancestor, joined with the rest: symlinks cannot hide an overlap. */
    private static Path resolved(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Removes the temporary folder unless the output was committed. */
    @Override
    public void close() {
        if (!committed) {
            synchronized (LOCK) {
                deleteQuietly(temp);
                LIVE.remove(temp);
                removeEmptyParents(temp, CREATED_PARENTS.remove(temp));
            }
        }
    }

    /** Deletes the empty folders from {@code dir}'s parent up to {@code top}, which this merge created. */
    private static void removeEmptyParents(Path dir, Path top) {
        if (top == null) {
            return;
        }
        for (Path p = dir.getParent(); p != null && p.startsWith(top); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                return; // not empty (someone else put something there) or not ours to remove
            }
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE; // gone already (another cleanup got there first)
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the folder name says it is partial
        }
    }
}
