package dev.amalgam.lora.extract;

import dev.amalgam.linalg.TruncatedSvdOptions;
import dev.amalgam.tensor.DType;
import java.util.List;

/**
 * The options of {@code amalgam lora extract}, named after mergekit-extract-lora's (compat.md §3.3).
 *
 * @param maxRank            largest rank per module (128)
 * @param distributeScale    A = √σ·Vᵀ, B = U·√σ (true, the default) or A = σ·Vᵀ, B = U
 * @param embedLora          decompose input embeddings as {@code lora_embedding_A/B} (and the LM head as a Linear)
 *                           instead of saving them whole in modules_to_save
 * @param saveModules        modules (full path or last name component) saved whole
 * @param includeRegex       when non-empty, only modules a regex finds in (Java {@code find}, like {@code re.search})
 * @param excludeRegex       modules a regex finds in are left out
 * @param svEpsilon          singular values ≤ this are dropped (0: none)
 * @param skipUndecomposable changed tensors that are not 2-D weights (norms, biases of full modules) are skipped
 *                           instead of saved whole
 * @param energy             when set, each module's rank is the smallest keeping this fraction of Σσ² (still capped
 *                           by maxRank)
 * @param svd                exact or randomized truncated SVD (randomized by default)
 * @param outDtype           dtype of the written tensors; null: the fine-tune's
 */
public record ExtractOptions(int maxRank, boolean distributeScale, boolean embedLora, List<String> saveModules,
                             List<String> includeRegex, List<String> excludeRegex, double svEpsilon,
                             boolean skipUndecomposable, Double energy, TruncatedSvdOptions svd, DType outDtype) {

    /** mergekit's defaults with a randomized SVD. */
    public static ExtractOptions defaults() {
        return new ExtractOptions(128, true, false, List.of(), List.of(), List.of(), 0, false, null,
                TruncatedSvdOptions.defaults(42).withMode(TruncatedSvdOptions.Mode.RANDOMIZED), null);
    }

    public ExtractOptions withMaxRank(int r) {
        return new ExtractOptions(r, distributeScale, embedLora, saveModules, includeRegex, excludeRegex, svEpsilon,
                skipUndecomposable, energy, svd, outDtype);
    }

    public ExtractOptions withEnergy(Double e) {
        return new ExtractOptions(maxRank, distributeScale, embedLora, saveModules, includeRegex, excludeRegex,
                svEpsilon, skipUndecomposable, e, svd, outDtype);
    }

    public ExtractOptions withSvd(TruncatedSvdOptions s) {
        return new ExtractOptions(maxRank, distributeScale, embedLora, saveModules, includeRegex, excludeRegex,
                svEpsilon, skipUndecomposable, energy, s, outDtype);
    }

    public ExtractOptions withEmbedLora(boolean e) {
        return new ExtractOptions(maxRank, distributeScale, e, saveModules, includeRegex, excludeRegex, svEpsilon,
                skipUndecomposable, energy, svd, outDtype);
    }
}
