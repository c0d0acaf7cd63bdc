package dev.amalgam.merge.methods;

import dev.amalgam.merge.TensorMergeContext;

/** Reading the per-model path parameters of the side-input methods ({@code fisher: PATH}, {@code gram: PATH}). */
final class SideParams {
    private SideParams() {
    }

    /** The path given for input {@code i}, or null when unset. */
    static String path(TensorMergeContext ctx, int i, String param) {
        Object v = ctx.inputParams().get(i).values().get(param);
        return v instanceof String s ? s : null;
    }

    /**
     * A problem when a required path is missing for some input, else null (a value of the wrong type never gets
     * here: the planner refuses it, since the parameter is declared as text).
     */
    static String checkPaths(TensorMergeContext ctx, String param, String method, boolean required) {
        for (int i = 0; i < ctx.inputCount(); i++) {
            Object v = ctx.inputParams().get(i).values().get(param);
            if (v == null && required) {
                return method + ": model '" + ctx.inputModels().get(i) + "' has no `" + param + ": PATH`"
                        + " (a safetensors file keyed by the model's tensor names, see docs/side-inputs.md)";
            }
        }
        return null;
    }
}
