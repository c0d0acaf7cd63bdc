package dev.amalgam.bench;

import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.util.SizeParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark: in one run it generates (or reuses) synthetic Llama-shaped bf16 models, measures the
 * I/O floor (read the inputs + write and fsync an output of the same size, warm page cache, the inputs put there
 * as a read from disk does: {@link PageCache}), then runs
 * {@code amalgam merge} in a child JVM for each method and prints wall time, the ratio to the floor, peak
 * anonymous memory and throughput. Methods the build does not register yet are skipped with a line saying so.
 *
 * <pre>
 * java @amalgam-cli/jvm.args \
 *      -cp amalgam-bench/target/benchmarks.jar dev.amalgam.bench.EndToEnd \
 *      --size 1GB --dir /tmp/amalgam-bench [--methods linear,ties,dare_ties,slerp] [--reps 3] [-j N] [--keep]
 *      [--warm-runs 4]
 * </pre>
 *
 * <p>After the rounds, each method runs {@code --warm-runs} times in one JVM ({@link WarmRuns}): the later runs
 * time the merge without the JVM's start-up and JIT warm-up, and the difference to a cold process is printed.
 */
public final class EndToEnd {
    /** The JVM options file the {@code amalgam} launcher passes, so that the child runs as a user's does. */
    private static final Path LAUNCHER_JVM_ARGS = Path.of("amalgam-cli", "jvm.args");

    private static final List<String> DEFAULT_METHODS = List.of("linear", "ties", "dare_ties", "slerp");

    private final String childClasspath;
    private final Path jvmArgs;

    private EndToEnd(String childClasspath, Path jvmArgs) {
        this.childClasspath = childClasspath;
        this.jvmArgs = jvmArgs;
    }

    public static void main(String[] args) throws Exception {
        long size = SizeParser.parse("1GB");
        Path dir = null;
        List<String> methods = DEFAULT_METHODS;
        int reps = 3;
        int warmRuns = 4;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean keep = false;
        List<String> jvmOpts = new ArrayList<>();
        String childClasspath = System.getProperty("java.class.path");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> size = SizeParser.parse(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--methods" -> methods = Arrays.asList(args[++i].split(","));
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warm-runs" -> warmRuns = Integer.parseInt(args[++i]);
                case "-j", "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--keep" -> keep = true;
                case "--jvm-opt" -> jvmOpts.add(args[++i]);
                case "--amalgam-cp" -> childClasspath = args[++i];
                default -> {
                    System.err.println("unknown option " + args[i] + "\noptions: --size 1GB --dir DIR --methods "
                            + String.join(",", DEFAULT_METHODS) + " --reps 3 -j N --keep --jvm-opt OPT"
                            + " --amalgam-cp JAR (another build of amalgam to run, for A/B comparisons)"
                            + " --warm-runs 4 (runs of each method in one JVM; 0 or 1 skips them)");
                    System.exit(2);
                }
            }
        }
        if (dir == null) {
            System.err.println("--dir DIR is required (models and outputs are written there; it needs about "
                    + "5x --size of free space)");
            System.exit(2);
        }
        if (!Files.isRegularFile(LAUNCHER_JVM_ARGS)) {
            System.err.println(LAUNCHER_JVM_ARGS + " not found: run the benchmark from the repository's root folder");
            System.exit(2);
        }
        new EndToEnd(childClasspath, LAUNCHER_JVM_ARGS.toAbsolutePath())
                .run(size, dir.toAbsolutePath(), methods, reps, warmRuns, threads, keep, jvmOpts);
    }

    private void run(long size, Path dir, List<String> methods, int reps, int warmRuns, int threads, boolean keep,
                     List<String> jvmOpts) throws Exception {
        LlamaShape shape = LlamaShape.forBytes(size);
        Path models = dir.resolve("models-" + shape.layers() + "L");
        System.out.printf("machine: %d cores, %.1f GiB memory, load %s%n", Runtime.getRuntime().availableProcessors(),
                physicalMemory() / (double) (1L << 30), loadAverage());
        int modelCount = Math.max(3, methods.stream().mapToInt(Recipes::inputCount).max().orElse(3));
        System.out.printf("models: %d x %.3f GB bf16 (Llama, hidden %d, %d layers) in %s; -j %d, %d rep(s)%n",
                modelCount, shape.params() * 2 / 1e9, shape.hidden(), shape.layers(), models, threads, reps);
        System.out.printf("amalgam: %s%s%n", childClasspath, jvmOpts.isEmpty() ? "" : " with " + String.join(" ", jvmOpts));
        for (int v = 0; v < modelCount; v++) {
            Path m = models.resolve("model-" + v);
            if (!Files.exists(m.resolve("config.json"))) {
                long t0 = System.nanoTime();
                SyntheticModels.write(m, shape, v, SizeParser.parse("5GB"));
                System.out.printf("generated %s in %.1f s%n", m, (System.nanoTime() - t0) / 1e9);
            }
        }
        long modelBytes = filesOf(models.resolve("model-0")).stream().mapToLong(EndToEnd::sizeOf).sum();
        String checkStart = MachineCheck.summary();
        System.out.printf("machine check: %s (compare runs only when these agree)%n", checkStart);

        // I/O floor, per input count: reads are timed per model so that a 2-input method gets a 2-input floor
        double[][] readTimes = new double[reps][modelCount];
        double[] floorCpu = new double[reps];
        double[] writeTimes = new double[reps];
        long[] sink = new long[1];
        List<Path> inputFiles = allFiles(models, modelCount);
        System.out.printf("page cache: inputs %s%n", settle(inputFiles, threads, sink));
        for (int r = 0; r < reps; r++) {
            double cpu0 = processCpuSeconds();
            for (int v = 0; v < modelCount; v++) {
                readTimes[r][v] = IoFloor.read(filesOf(models.resolve("model-" + v)), threads, sink);
            }
            writeTimes[r] = IoFloor.write(dir.resolve("floor-write.tmp"), modelBytes);
            floorCpu[r] = processCpuSeconds() - cpu0;
        }
        double[] floors = new double[modelCount + 1]; // floors[n]: read the first n models + write one
        for (int n = 2; n <= modelCount; n++) {
            int inputs = n;
            floors[n] = median(r -> readSum(readTimes[r], inputs) + writeTimes[r], reps);
        }
        System.out.printf("I/O floor: read 3 x %.2f GB + write %.2f GB: %.2f s (read %.2f s, write+fsync %.2f s), "
                        + "%.2f GB/s; range over %d rep(s) %.2f-%.2f s; 2 inputs: %.2f s%s%n", modelBytes / 1e9,
                modelBytes / 1e9, floors[3], median(r -> readSum(readTimes[r], 3), reps),
                median(r -> writeTimes[r], reps), 4 * modelBytes / 1e9 / floors[3], reps,
                min(r -> readSum(readTimes[r], 3) + writeTimes[r], reps),
                max(r -> readSum(readTimes[r], 3) + writeTimes[r], reps), floors[2],
                modelCount > 3 ? String.format("; %d inputs: %.2f s", modelCount, floors[modelCount]) : "");
        System.out.printf("I/O floor CPU time (%d inputs): %.2f s; on a loaded machine compare a merge's cpu s to it%n",
                modelCount, median(r -> floorCpu[r], reps));

        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-10s %9s %7s %12s %12s %8s %7s %11s %s", "method", "wall s", "floor", "peak RssAnon",
                "VmHWM", "GB/s", "cpu s", "others' CPU", "(median of " + reps + "; range)"));
        // the runs of each method the build has, in the order asked for
        Map<String, List<ChildRun>> runs = new LinkedHashMap<>();
        for (String method : methods) {
            if (MethodRegistry.find(Recipes.methodName(method)).isEmpty()) {
                System.out.printf("%-10s skipped: merge method '%s' is not registered in this build (available: %s)%n",
                        method, method, String.join(", ", MethodRegistry.names()));
            } else {
                Files.writeString(recipe(dir, method), Recipes.of(method, models));
                runs.put(method, new ArrayList<>());
            }
        }
        // Rounds: each runs every method once, so that a stretch of time in which the shared host is slow (it
        // moved merge times by up to half within an hour) lands on all methods alike rather than on whichever
        // method's repetitions it happened to cover.
        Set<String> failed = new HashSet<>();
        for (int r = 0; r < reps; r++) {
            if (r > 0) {
                // Each later round starts from the page-cache state the floor was measured in (the first follows
                // the floor directly). On the benchmark's VM a kernel thread (DAMON, action pageout) reclaims file
                // pages left untouched for about a minute; they come back in small folios, and memory-mapped reads
                // of them then ran at 2.4-4.5 GB/s per thread instead of 13.
                settle(inputFiles, threads, sink);
            }
            for (String method : runs.keySet()) {
                if (failed.contains(method)) {
                    continue;
                }
                Path out = dir.resolve("out-" + method);
                deleteTree(out);
                List<String> cmd = new ArrayList<>(List.of(javaBinary(), "@" + jvmArgs));
                cmd.addAll(jvmOpts);
                cmd.addAll(List.of("-cp", childClasspath, "dev.amalgam.cli.Main", "merge",
                        recipe(dir, method).toString(), out.toString(), "-j", Integer.toString(threads), "-v"));
                Path log = dir.resolve(method + ".log");
                ChildRun run = ChildRun.run(cmd, log);
                deleteTree(out);
                if (run.exitCode() != 0) {
                    System.out.println(method + ": amalgam merge failed with exit code " + run.exitCode() + "; see "
                            + log + ":\n" + tail(log));
                    failed.add(method);
                    continue;
                }
                runs.get(method).add(run);
                System.out.printf("%s rep %d: %.2f s, cpu %.1f s, peak RssAnon %s, others' CPU %.1f s (%s)%n", method,
                        r + 1, run.wallSeconds(), run.cpuSecs(), mib(run.peakRssAnon()), run.otherCpuSecs(),
                        lastLine(log));
            }
        }
        for (String method : methods) {
            List<ChildRun> done = runs.get(method);
            if (done == null) {
                rows.add(String.format("%-10s skipped (not registered in this build)", method));
                continue;
            }
            if (done.isEmpty()) {
                rows.add(String.format("%-10s failed", method));
                continue;
            }
            int inputs = Recipes.inputCount(method);
            double floor = floors[inputs];
            done.sort(Comparator.comparingDouble(ChildRun::wallSeconds));
            ChildRun med = done.get(done.size() / 2);
            long bytes = (long) inputs * modelBytes + modelBytes;
            rows.add(String.format("%-10s %9.2f %6.2fx %12s %12s %8.2f %7.1f %10.1fs  (%.2f-%.2f s)", method,
                    med.wallSeconds(), med.wallSeconds() / floor,
                    mib(done.stream().mapToLong(ChildRun::peakRssAnon).max().orElse(0)),
                    mib(med.vmHwm()), bytes / 1e9 / med.wallSeconds(), med.cpuSecs(), med.otherCpuSecs(),
                    done.get(0).wallSeconds(), done.get(done.size() - 1).wallSeconds()));
        }
        List<String> warm = warmRuns > 1 ? warmRows(runs, floors, inputFiles, dir, warmRuns, threads, jvmOpts)
                : List.of();
        String checkEnd = MachineCheck.summary();
        System.out.println();
        System.out.printf("machine check: at the start %s; at the end %s%n", checkStart, checkEnd);
        System.out.printf("results (floor = the I/O floor for the method's inputs; GB/s = bytes read + written per"
                + " wall second; load now %s):%n", loadAverage());
        rows.forEach(System.out::println);
        if (!warm.isEmpty()) {
            System.out.printf("%nthe same merges run %d times in one JVM (first = a cold process without the JVM's own"
                    + " start; warm = median of the later runs, the merge alone; cold = the median wall above):%n",
                    warmRuns);
            warm.forEach(System.out::println);
        }
        if (!keep) {
            deleteTree(models);
        }
    }

    /**
     * Runs each method's merge {@code count} times in one child JVM ({@link WarmRuns}, the launcher's JVM options)
     * and returns a table row per method: the first run, the median of the later (warm) runs and its ratio to the
     * floor, the cold process's median wall time from the rounds, and the difference, which is what starting a new
     * JVM for the merge costs (its own start, loading and initializing classes, the JIT compiling the hot code).
     */
    private List<String> warmRows(Map<String, List<ChildRun>> runs, double[] floors, List<Path> inputFiles, Path dir,
                                  int count, int threads, List<String> jvmOpts) throws Exception {
        List<String> rows = new ArrayList<>();
        rows.add(String.format("%-10s %9s %9s %7s %9s %12s", "method", "first s", "warm s", "floor", "cold s",
                "cold - warm"));
        // WarmRuns lives in the benchmark's jar; another build of amalgam (--amalgam-cp) goes first on the path
        String benchClasspath = System.getProperty("java.class.path");
        String classpath = childClasspath.equals(benchClasspath) ? benchClasspath
                : childClasspath + File.pathSeparator + benchClasspath;
        String inputs = String.join(",", inputFiles.stream().map(Path::toString).toList());
        for (var entry : runs.entrySet()) {
            String method = entry.getKey();
            List<ChildRun> cold = entry.getValue();
            if (cold.isEmpty()) {
                continue;
            }
            List<String> cmd = new ArrayList<>(List.of(javaBinary(), "@" + jvmArgs));
            cmd.addAll(jvmOpts);
            cmd.addAll(List.of("-cp", classpath, WarmRuns.class.getName(), Integer.toString(count),
                    Integer.toString(threads), inputs, "merge", recipe(dir, method).toString(),
                    dir.resolve("out-" + method).toString(), "-j", Integer.toString(threads), "-v"));
            Path log = dir.resolve(method + "-warm.log");
            ChildRun run = ChildRun.run(cmd, log);
            double[] secs = warmSeconds(log);
            if (run.exitCode() != 0 || secs == null) {
                rows.add(String.format("%-10s failed; see %s", method, log));
                continue;
            }
            double warm = median(r -> secs[r + 1], secs.length - 1);
            double coldWall = median(r -> cold.get(r).wallSeconds(), cold.size());
            rows.add(String.format("%-10s %9.2f %9.2f %6.2fx %9.2f %11.2fs", method, secs[0], warm,
                    warm / floors[Recipes.inputCount(method)], coldWall, coldWall - warm));
        }
        return rows;
    }

    /** The seconds of each run from a {@link WarmRuns} log's result line, or null when it has none. */
    private static double[] warmSeconds(Path log) throws IOException {
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith(WarmRuns.RESULT_PREFIX)) {
                return Arrays.stream(line.substring(WarmRuns.RESULT_PREFIX.length()).trim().split("\\s+"))
                        .mapToDouble(Double::parseDouble).toArray();
            }
        }
        return null;
    }

    /**
     * Puts the inputs into the page cache the known way ({@link PageCache}) and maps them once, as the floor's reads
     * do; returns PageCache's note on what was done.
     */
    static String settle(List<Path> inputFiles, int threads, long[] sink) throws Exception {
        String note = PageCache.settle(inputFiles);
        IoFloor.read(inputFiles, threads, sink);
        return note;
    }

    private static Path recipe(Path dir, String method) {
        return dir.resolve(method + ".yml");
    }

    private interface RepValue {
        double at(int rep);
    }

    private static double median(RepValue f, int reps) {
        double[] v = new double[reps];
        for (int r = 0; r < reps; r++) {
            v[r] = f.at(r);
        }
        Arrays.sort(v);
        return v[reps / 2];
    }

    private static double readSum(double[] readTimes, int inputs) {
        double sum = 0;
        for (int v = 0; v < inputs; v++) {
            sum += readTimes[v];
        }
        return sum;
    }

    private static double min(RepValue f, int reps) {
        double m = Double.POSITIVE_INFINITY;
        for (int r = 0; r < reps; r++) {
            m = Math.min(m, f.at(r));
        }
        return m;
    }

    private static double max(RepValue f, int reps) {
        double m = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < reps; r++) {
            m = Math.max(m, f.at(r));
        }
        return m;
    }

    private static List<Path> allFiles(Path models, int count) throws IOException {
        List<Path> all = new ArrayList<>();
        for (int v = 0; v < count; v++) {
            all.addAll(filesOf(models.resolve("model-" + v)));
        }
        return all;
    }

    private static List<Path> filesOf(Path model) throws IOException {
        try (Stream<Path> s = Files.list(model)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString());
    }

    private static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (double) (1 << 20));
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double processCpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : 0;
    }

    private static long physicalMemory() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}
