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
 */
record ChildRun(int exitCode, double wallSeconds, long peakRssAnon, long vmHwm, double otherCpuSecs, double cpuSecs) {

    static ChildRun run(List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        double busy0 = SystemCpu.busySeconds();
        long t0 = System.nanoTime();
        Process p = pb.start();
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peakAnon = 0;
        long hwm = 0;
        double cpu = 0;
        while (p.isAlive()) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("RssAnon:")) {
                        peakAnon = Math.max(peakAnon, kb(line));
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = Math.max(hwm, kb(line));
                    }
                }
                cpu = p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(cpu);
            } catch (IOException | RuntimeException gone) {
                // the process exited between isAlive and the read
            }
            Thread.sleep(5);
        }
        int rc = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        double busy = SystemCpu.busySeconds() - busy0;
        return new ChildRun(rc, wall, peakAnon, hwm, Math.max(0, busy - cpu), cpu);
    }

    private static long kb(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
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
    }
}
