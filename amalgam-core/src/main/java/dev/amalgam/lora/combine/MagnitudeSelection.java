package dev.amalgam.lora.combine;

import java.util.Arrays;

/**
 * PEFT's {@code magnitude_prune}: keep exactly {@code ⌊density·n⌋} entries of largest |x| and zero the rest
 * (methods.md §1.6). {@code torch.topk} leaves the order of equal magnitudes unspecified; here ties at the
 * threshold are broken by lower index, so the result is deterministic. The adapter tools' only top-k selection.
 */
final class MagnitudeSelection {
    private MagnitudeSelection() {
    }

    /** A copy of {@code x} with all but the {@code ⌊density·n⌋} largest-magnitude entries set to zero. */
    static float[] keepTop(float[] x, double density) {
        int n = x.length;
        int k = (int) Math.floor(density * n);
        float[] out = new float[n];
        if (k <= 0) {
            return out;
        }
        if (k >= n) {
            return x.clone();
        }
        float[] mags = new float[n];
        for (int i = 0; i < n; i++) {
            mags[i] = Math.abs(x[i]);
        }
        float[] sorted = mags.clone();
        Arrays.sort(sorted);
        float threshold = sorted[n - k];
        int above = 0;
        for (float m : mags) {
            if (m > threshold) {
                above++;
            }
        }
        int atThresholdToKeep = k - above;
        for (int i = 0; i < n; i++) {
            if (mags[i] > threshold) {
                out[i] = x[i];
            } else if (mags[i] == threshold && atThresholdToKeep > 0) {
                out[i] = x[i];
                atThresholdToKeep--;
            }
        }
        return out;
    }
}
