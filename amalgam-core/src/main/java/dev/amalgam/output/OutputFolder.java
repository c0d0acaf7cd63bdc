package dev.amalgam.output;

import dev.amalgam.error.ConfigException;
import dev.amalgam.error.IoFailureException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output of a merge is written into a temporary folder beside the target and renamed into place only when
 * complete (DESIGN.md principle 5), so a crash, a full disk or Ctrl-C never leaves a half-written model that
 * looks finished, and an existing output is only replaced with {@code --force}. Temporary folders still open
 * when the JVM exits (Ctrl-C, SIGTERM) are removed by a shutdown hook.
 */
public final class OutputFolder implements AutoCloseable {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(OutputFolder::deleteQuietly),
                "amalgam-cleanup"));
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
        try {
            Files.createDirectories(parent);
            Path temp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".amalgam-partial-");
            LIVE.add(temp);
            return new OutputFolder(abs, temp, force);
        } catch (IOException e) {
            throw new IoFailureException("cannot create a temporary output folder in " + parent + ": " + e, e);
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
        try {
            Path old = null;
            if (Files.exists(target)) {
                if (!force) {
                    throw new ConfigException("output folder " + target + " appeared while merging; the result is"
                            + " left in " + temp);
                }
                old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".amalgam-old-");
                Files.delete(old);
                move(target, old);
            }
            move(temp, target);
            committed = true;
            LIVE.remove(temp);
            if (old != null) {
                deleteQuietly(old);
            }
        } catch (IOException e) {
            throw new IoFailureException("cannot move the finished output from " + temp + " to " + target + ": " + e, e);
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
            deleteQuietly(temp);
            LIVE.remove(temp);
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
