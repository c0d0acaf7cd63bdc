package dev.amalgam.lora.extract;

/**
 * What extraction did with one module of the fine-tune.
 *
 * @param rank         the rank written (0 unless {@link Kind#LORA} or {@link Kind#EMBEDDING_LORA})
 * @param energy       fraction of ‖ΔW‖²_F the kept singular values hold
 * @param predictedErr relative Frobenius error the singular values predict, √(1 − energy)
 * @param measuredErr  ‖ΔW − B·A‖_F / ‖ΔW‖_F of the factors written (before rounding to the output dtype)
 * @param note         why it was saved whole or skipped, or empty
 */
public record ModuleReport(String module, Kind kind, String shape, int rank, double energy, double predictedErr,
                           double measuredErr, String note) {
    public enum Kind {
        /** decomposed as lora_A/lora_B */
        LORA,
        /** decomposed transposed as lora_embedding_A/B */
        EMBEDDING_LORA,
        /** saved whole in modules_to_save */
        FULL,
        /** changed, but left out (--skip-undecomposable or filtered by a regex) */
        SKIPPED
    }
}
