package dev.amalgam.merge.methods;

import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.ParamSpec;
import dev.amalgam.merge.TensorMergeContext;

/** Checks before any work that the parameters a method does arithmetic with are numbers (or booleans). */
final class NumericParams {
    private NumericParams() {
    }

    /** A problem naming the first non-numeric parameter of {@code ctx}, or null. */
    static String check(MethodInfo info, TensorMergeContext ctx) {
        for (ParamSpec spec : info.params()) {
            if (spec.scope() == ParamSpec.Scope.GLOBAL) {
                Object v = ctx.params().values().get(spec.name());
                if (v != null && !(v instanceof Double)) {
                    return problem(info, spec, v, null, ctx);
                }
                continue;
            }
            for (int i = 0; i < ctx.inputCount(); i++) {
                Object v = ctx.inputParams().get(i).values().get(spec.name());
                if (v != null && !(v instanceof Double)) {
                    return problem(info, spec, v, ctx.inputModels().get(i), ctx);
                }
            }
        }
        return null;
    }

    private static String problem(MethodInfo info, ParamSpec spec, Object v, String model, TensorMergeContext ctx) {
        return "parameter '" + spec.name() + "'" + (model == null ? "" : " of model '" + model + "'") + " must be "
                + (spec.flag() ? "true or false" : "a number") + " for merge method " + info.name() + ", got '" + v
                + "' (first needed by tensor " + ctx.outputName() + ")";
    }
}
