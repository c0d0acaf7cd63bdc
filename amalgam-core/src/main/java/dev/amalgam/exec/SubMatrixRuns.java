package dev.amalgam.exec;

/**
 * Reading a view that is the top-left sub-matrix of a stored 2-D tensor (an embedding truncated to the common
 * vocabulary, compat.md §1.0 item 8): flat view elements {@code [offset, offset + n)} map to runs of consecutive
 * stored elements, one run per view row touched.
 */
final class SubMatrixRuns {
    /** One run: {@code length} stored elements from flat stored index {@code stored}, into position {@code done}. */
    @FunctionalInterface
    interface Run {
        void accept(long stored, int done, int length);
    }

    private SubMatrixRuns() {
    }

    static void forEach(long offset, int n, long viewCols, long storedCols, Run run) {
        long pos = offset;
        int done = 0;
        while (done < n) {
            long row = pos / viewCols;
            long col = pos % viewCols;
            int length = (int) Math.min(n - done, viewCols - col);
            run.accept(row * storedCols + col, done, length);
            done += length;
            pos += length;
        }
    }
}
