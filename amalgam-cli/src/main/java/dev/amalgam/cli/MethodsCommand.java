package dev.amalgam.cli;

import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MethodInfo;
import dev.amalgam.merge.MethodRegistry;
import dev.amalgam.merge.ParamSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code amalgam methods [NAME]}: every registered merge method with its parameters, defaults and a one-line
 * description, all taken from {@link MethodInfo}, so a newly registered method is listed without touching this
 * command.
 */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List the merge methods with their parameters and defaults (or describe one method).")
final class MethodsCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Show only this method.")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<MethodInfo> infos = new ArrayList<>();
        if (name != null) {
            // an unknown name is a ConfigException (exit 2) that suggests the closest method
            MergeMethod m = MethodRegistry.get(name, "");
            infos.add(m.info());
        } else {
            for (String n : MethodRegistry.names()) {
                MethodRegistry.find(n).map(MergeMethod::info).ifPresent(infos::add);
            }
            out.println("Merge methods (" + infos.size() + "); use them as `merge_method:` in a recipe.");
        }
        for (MethodInfo info : infos) {
            out.println();
            out.println(describe(info));
        }
        out.flush();
        return 0;
    }

    static String describe(MethodInfo info) {
        StringBuilder sb = new StringBuilder();
        sb.append(info.name()).append(" - ").append(info.summary());
        if (info.referenceUrl() != null) {
            sb.append("\n    reference:  ").append(info.referenceUrl());
        }
        sb.append("\n    base model: ").append(switch (info.baseModel()) {
            case REQUIRED -> "required";
            case OPTIONAL -> "optional";
            case AS_INPUT -> "not used (a given base is merged as one more input)";
        });
        sb.append("\n    inputs:     ").append(inputs(info)).append(" per tensor, base included");
        if (info.random()) {
            sb.append("\n    random:     yes (reproducible with --random-seed)");
        }
        List<ParamSpec> globals = info.params().stream().filter(p -> p.scope() == ParamSpec.Scope.GLOBAL).toList();
        List<ParamSpec> perModel = info.params().stream().filter(p -> p.scope() == ParamSpec.Scope.PER_MODEL).toList();
        sb.append("\n    per-model:  ").append(params(perModel));
        sb.append("\n    global:     ").append(params(globals));
        return sb.toString();
    }

    private static String inputs(MethodInfo info) {
        if (info.maxInputs() == Integer.MAX_VALUE) {
            return info.minInputs() + " or more";
        }
        return info.minInputs() == info.maxInputs() ? "exactly " + info.minInputs()
                : info.minInputs() + " to " + info.maxInputs();
    }

    private static String params(List<ParamSpec> specs) {
        if (specs.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (ParamSpec p : specs) {
            String d = p.defaultText();
            parts.add(p.name() + (p.required() ? " (required)" : d == null ? " (no default)" : " = " + d));
        }
        return String.join(", ", parts);
    }
}
