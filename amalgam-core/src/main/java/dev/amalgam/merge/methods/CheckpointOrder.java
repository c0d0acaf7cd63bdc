package dev.amalgam.merge.methods;

import dev.amalgam.merge.TensorMergeContext;

/**
 * Shared checks of the checkpoint-averaging methods ({@code ema}, {@code lawa}, {@code swa}, methods.md §4.2–4.3):
 * they read the models as the checkpoints of one training run in recipe (chronological) order, so a
 * {@code base_model}, which the planner appends after the models, would land out of order.
 */
final class CheckpointOrder {
    private CheckpointOrder() {
    }

    /** A problem when a base model was given, else null. */
    static String rejectBase(TensorMergeContext ctx, String method) {
        if (ctx.baseIndex() < 0) {
            return null;
        }
        return "merge method " + method + " averages the checkpoints of one run in the order they are listed under"
                + " models: and takes no base_model; list '" + ctx.inputModels().get(ctx.baseIndex())
                + "' under models: at its place in the training order instead";
    }

    /** Batch-norm statistics are not weights: averaging them gives wrong statistics (methods.md §4.3). */
    static void warnBatchNorm(TensorMergeContext ctx, String method) {
        String n = ctx.outputName();
        if (n.endsWith("running_mean") || n.endsWith("running_var")) {
            ctx.warnings().accept("tensor " + n + " is a batch-norm statistic; after " + method + " recompute it on"
                    + " training data (torch.optim.swa_utils.update_bn): averaged statistics are not the statistics"
                    + " of the averaged weights");
        }
    }

    /** The integer value of a parameter that must be a whole number ≥ 1, or -1 when it is not one. */
    static int positiveInt(double v) {
        return v >= 1 && v == Math.rint(v) && v <= Integer.MAX_VALUE ? (int) v : -1;
    }
}
