package dev.amalgam.merge.methods;

import dev.amalgam.merge.sparsify.Sparsification;
import java.util.List;

/**
 * One row of the task-arithmetic family: which sparsifier, whether TIES sign consensus is used, and the
 * defaults of {@code normalize} and {@code rescale} (compat.md §1.1, "GTA family table"). Every row is run by
 * the same {@link GeneralizedTaskArithmetic}; the rows differ only in this configuration.
 */
public record TaskArithmeticVariant(String name, String prettyName, String referenceUrl, boolean signConsensus,
                                    Sparsification sparsification, boolean normalize, boolean rescale,
                                    String description) {
    private static final String TA = "https://arxiv.org/abs/2212.04089";
    private static final String TIES = "https://arxiv.org/abs/2306.01708";
    private static final String DARE = "https://arxiv.org/abs/2311.03099";
    private static final String BREADCRUMBS = "https://arxiv.org/abs/2312.06795";
    private static final String DELLA = "https://arxiv.org/abs/2406.11617";

    /** The eight rows mergekit registers, in its order. */
    public static final List<TaskArithmeticVariant> ROWS = List.of(
            new TaskArithmeticVariant("task_arithmetic", "Task Arithmetic", TA, false, Sparsification.NONE,
                    false, false, "Adds the weighted task vectors (model − base) to the base, scaled by lambda"),
            new TaskArithmeticVariant("ties", "TIES", TIES, true, Sparsification.MAGNITUDE, true, false,
                    "Trims each task vector to its top-density magnitudes, elects signs, averages the agreeing"
                            + " values"),
            new TaskArithmeticVariant("dare_ties", "DARE TIES", DARE, true, Sparsification.RANDOM, false, true,
                    "Randomly drops task-vector elements (keep prob. density), rescales, then TIES sign"
                            + " election"),
            new TaskArithmeticVariant("dare_linear", "Linear DARE", DARE, false, Sparsification.RANDOM, false, true,
                    "Randomly drops task-vector elements (keep prob. density), rescales, adds them up"),
            new TaskArithmeticVariant("breadcrumbs", "Model Breadcrumbs", BREADCRUMBS, false,
                    Sparsification.MAGNITUDE_OUTLIERS, false, false,
                    "Drops the largest (gamma) and smallest magnitudes of each task vector, adds the rest"),
            new TaskArithmeticVariant("breadcrumbs_ties", "Model Breadcrumbs with TIES", BREADCRUMBS, true,
                    Sparsification.MAGNITUDE_OUTLIERS, false, false,
                    "Breadcrumbs sparsification followed by TIES sign election"),
            new TaskArithmeticVariant("della", "DELLA", DELLA, true, Sparsification.DELLA_MAGPRUNE, true, true,
                    "Drops elements with a probability that falls with their magnitude rank, then TIES sign"
                            + " election"),
            new TaskArithmeticVariant("della_linear", "Linear DELLA", DELLA, false, Sparsification.DELLA_MAGPRUNE,
                    false, true, "DELLA's magnitude-ranked random drop, then the task vectors are added up"));

    /** Model Breadcrumbs has a per-model {@code gamma}. */
    boolean usesGamma() {
        return sparsification == Sparsification.MAGNITUDE_OUTLIERS;
    }

    /** DELLA has a per-model {@code epsilon}. */
    boolean usesEpsilon() {
        return sparsification == Sparsification.DELLA_MAGPRUNE;
    }
}
