package dev.amalgam.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs one command as a child process and samples its memory from {@code /proc/PID/status} every few
 * milliseconds while it runs. The figure that matters is peak {@code RssAnon}: the process's own heap, stacks and
 * native buffers. {@code VmHWM} (peak resident set) also counts the memory-mapped input and output pages, which
 * belong to the page cache and are shared and reclaimable, so it is reported for information only.
 *
 * @param wallSeconds   from process start to exit (JVM start-up included)
 * @param peakRssAnon   bytes, the largest sampled RssAnon
 * @param vmHwm         bytes, the kernel's peak resident set, last sampled value
 * @param otherCpuSecs  CPU seconds the rest of the machine used during the run (how busy the shared machine was)
 * @param cpuSecs       CPU seconds (user + system) of the child, all its threads
 */
record ChildRun(int exitCode, double wallSeconds, long peakRssAnon, long vmHwm, double otherCpuSecs, double cpuSecs) {
    /**
     * How often RssAnon is sampled. The heap and native buffers grow and shrink over tens of milliseconds or more;
     * sampling every 5 ms with a line-by-line read and the child's CPU time each time cost the parent 0.6-1.5
     * CPU-s over a 6 s merge on 2 cores, time taken from the merge being measured.
     */
    private static final long SAMPLE_MILLIS = 20;

    static ChildRun run(List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        double busy0 = SystemCpu.busySeconds();
        double children0 = SystemCpu.waitedChildrenSeconds();
        long t0 = System.nanoTime();
        Process p = pb.start();
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peakAnon = 0;
        long hwm = 0;
        // Only /proc/PID/status is read while the child runs; its CPU time comes from this process's cutime and
        // cstime once it has been waited for, instead of ProcessHandle.info() on every sample.
        while (p.isAlive()) {
            try {
                String text = Files.readString(status);
                peakAnon = Math.max(peakAnon, kb(text, "RssAnon:"));
                hwm = Math.max(hwm, kb(text, "VmHWM:"));
            } catch (IOException | RuntimeException gone) {
                // the process exited between isAlive and the read
            }
            Thread.sleep(SAMPLE_MILLIS);
        }
        int rc = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        double busy = SystemCpu.busySeconds() - busy0;
        double cpu = SystemCpu.waitedChildrenSeconds() - children0;
        return new ChildRun(rc, wall, peakAnon, hwm, Math.max(0, busy - cpu), cpu);
    }

    /** Bytes of the {@code /proc/PID/status} field {@code key} (a line such as "RssAnon:   123 kB"), 0 if absent. */
    private static long kb(String status, String key) {
        int at = status.indexOf(key);
        if (at < 0) {
            return 0;
        }
        int end = status.indexOf('\n', at);
        String[] f = status.substring(at + key.length(), end < 0 ? status.length() : end).trim().split("\\s+");
        return Long.parseLong(f[0]) * 1024;
    }

    /** Whole-machine busy CPU time from {@code /proc/stat} (user+nice+system+irq+softirq+steal). */
    static final class SystemCpu {
        private SystemCpu() {
        }

        static double busySeconds() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                int[] fields = {1, 2, 3, 6, 7, 8};
                for (int i : fields) {
                    busy += Long.parseLong(f[i]);
                }
                return busy / 100.0; // USER_HZ is 100 on Linux
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /**
         * CPU seconds (user + system) of this process's children that have exited and been waited for: fields
         * cutime and cstime of {@code /proc/self/stat}, counted after the command name, which may hold spaces.
         */
        static double waitedChildrenSeconds() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                // f[0] is field 3 (state); cutime and cstime are fields 16 and 17
                return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
    }
}
