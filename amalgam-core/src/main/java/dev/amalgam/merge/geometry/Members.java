package dev.amalgam.merge.geometry;

import dev.amalgam.merge.TensorMergeContext;

/** Index helpers shared by the methods that treat the base model apart from the models being merged. */
public final class Members {
    private Members() {
    }

    /** The indices of the inputs other than the base, in recipe order. */
    public static int[] nonBase(TensorMergeContext ctx) {
        int n = ctx.inputCount();
        int base = ctx.baseIndex();
        int[] out = new int[base >= 0 ? n - 1 : n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (i != base) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** All input indices {@code 0..n-1}. */
    public static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    /** The problem text for a method that needs a base model but got none, or null when there is one. */
    public static String requireBase(TensorMergeContext ctx, String method, String why) {
        if (ctx.baseIndex() >= 0) {
            return null;
        }
        return "merge method " + method + " needs a base_model (" + why + "); tensor " + ctx.outputName()
                + " has none. Add `base_model: <model>` to the recipe.";
    }
}
