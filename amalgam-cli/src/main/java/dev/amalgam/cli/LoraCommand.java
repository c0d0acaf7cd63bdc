package dev.amalgam.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code amalgam lora}: tools for PEFT LoRA adapters (applying one needs no tool: use {@code model+lora} in a recipe). */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = "Combine LoRA adapters, or extract one from a fine-tune.",
        subcommands = {LoraMergeCommand.class, LoraExtractCommand.class, CommandLine.HelpCommand.class})
final class LoraCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: merge or extract");
    }
}
