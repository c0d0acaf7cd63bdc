package dev.amalgam.kernel;

/**
 * Chooses the kernels once per JVM. {@code -Damalgam.kernels=scalar} forces the reference. {@code auto} (the
 * default) uses the Vector API when the JVM has it ({@code --add-modules jdk.incubator.vector}, which the launcher
 * and the tests pass) and the CPU has SIMD registers of at least 128 bits, each operation from the moment the JIT
 * has compiled it ({@link WarmingKernels}); {@code vector} uses the vector kernels from the first call (for
 * benchmarks of the raw path). When the Vector API cannot be used the scalar kernels are, and the description
 * says why.
 */
final class KernelSelection {
    static final String PROPERTY = "amalgam.kernels";
    static final Kernels ACTIVE = choose(System.getProperty(PROPERTY, "auto"));
    /**
     * Kernels pinned for the calling thread, for tests only (package-private): the scalar-versus-vector method
     * tests run one merge on one thread with each, in one JVM. Never set outside tests, so active() is ACTIVE.
     */
    static final ThreadLocal<Kernels> PINNED = new ThreadLocal<>();

    private KernelSelection() {
    }

    static Kernels current() {
        Kernels k = PINNED.get();
        return k != null ? k : ACTIVE;
    }

    static Kernels choose(String mode) {
        String m = mode.trim().toLowerCase(java.util.Locale.ROOT);
        if (m.equals("scalar")) {
            return new ScalarKernels("forced by -D" + PROPERTY + "=scalar");
        }
        if (!m.equals("auto") && !m.equals("vector")) {
            return new ScalarKernels("unknown -D" + PROPERTY + "=" + mode + "; expected auto, vector or scalar");
        }
        try {
            VectorKernels v = new VectorKernels();
            if (v.floatLanes() < 4) {
                return new ScalarKernels("the CPU's vectors hold only " + v.floatLanes() + " float(s)");
            }
            return m.equals("vector") ? v : new WarmingKernels(v);
        } catch (LinkageError e) {
            return new ScalarKernels("jdk.incubator.vector is not available; run with"
                    + " --add-modules=jdk.incubator.vector");
        }
    }
}
