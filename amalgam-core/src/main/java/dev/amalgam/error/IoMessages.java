package dev.amalgam.error;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Turns an operating-system I/O failure into the words of an {@link IoFailureException} message: what the system
 * said, plus what the user can do about it. Java's own exception text is often just a path (NoSuchFileException)
 * or the errno string, so the common cases are spelled out here, in one place for every writer.
 */
public final class IoMessages {
    private IoMessages() {
    }

    /** A short reason with a hint, e.g. "No space left on device (free some disk space or ...)". */
    public static String describe(IOException e) {
        String reason = reason(e);
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        String hint = "";
        if (lower.contains("no space left") || lower.contains("disk quota")) {
            hint = " (the disk is full: free some space or choose an output folder on another disk)";
        } else if (lower.contains("file too large")) {
            hint = " (a file-size limit was reached: the file system's maximum file size or the shell's `ulimit -f`;"
                    + " use a smaller --out-shard-size or raise the limit)";
        } else if (lower.contains("read-only file system")) {
            hint = " (the file system is mounted read-only: choose an output folder elsewhere)";
        } else if (e instanceof AccessDeniedException || lower.contains("permission denied")) {
            hint = " (permission denied: check the folder's permissions or choose another output folder)";
        } else if (lower.contains("input/output error")) {
            hint = " (the device reported an error: check the disk)";
        }
        return reason + hint;
    }

    /**
     * True for the JVM's report of a SIGBUS on a memory-mapped file: the file shrank (truncated, replaced, or
     * re-downloaded by another program) after it was mapped, or the device failed.
     */
    public static boolean isMappedReadFault(Throwable t) {
        return t instanceof InternalError && t.getMessage() != null
                && t.getMessage().contains("fault occurred in an unsafe memory access");
    }

    /** The user's message for {@link #isMappedReadFault}; exit code 4. */
    public static IoFailureException mappedReadFault(Throwable cause) {
        return new IoFailureException("an input model file became unreadable while the merge was reading it (it was"
                + " truncated or replaced by another program, or the disk failed); make sure nothing writes the input"
                + " models during a merge, check them with `amalgam validate`, and run the merge again", cause);
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fse) {
            String why = fse.getReason();
            String file = fse.getFile();
            if (why == null) {
                why = switch (e) {
                    case NoSuchFileException x -> "no such file or folder";
                    case AccessDeniedException x -> "permission denied";
                    case FileAlreadyExistsException x -> "a file or folder with that name already exists";
                    case NotDirectoryException x -> "not a folder";
                    default -> e.getClass().getSimpleName();
                };
            }
            return file == null ? why : why + ": " + file;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
