package dev.amalgam.cli;

import dev.amalgam.error.AmalgamException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code amalgam} command. The only place that calls {@code System.exit}. */
@Command(name = "amalgam", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Merge neural-network checkpoints (Hugging Face safetensors) with mergekit-compatible recipes.",
        subcommands = {MergeCommand.class, ValidateCommand.class, InspectCommand.class,
                MakeExampleModelsCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final String VERSION = "0.1.0";

    /** The environment commands read (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, ...): the process's, or a test's. */
    final java.util.Map<String, String> env;

    Main(java.util.Map<String, String> env) {
        this.env = env;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"amalgam " + VERSION + " (Java " + Runtime.version() + ")"};
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cmd = commandLine();
        try {
            return cmd.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory. Give the JVM more heap (JAVA_OPTS=-Xmx...) or lower -j.");
            return 1;
        }
    }

    static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The command line with an explicit environment, so tests never depend on (or touch) the user's setup. */
    static CommandLine commandLine(java.util.Map<String, String> env) {
        CommandLine cmd = new CommandLine(new Main(env));
        // The Hub commands (added here rather than in the annotation, which every new command edits).
        cmd.addSubcommand("download", new DownloadCommand());
        cmd.addSubcommand("push", new PushCommand());
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> {
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--debug");
            var err = line.getErr();
            if (ex instanceof AmalgamException ae) {
                err.println("error: " + ae.getMessage());
                if (debug) {
                    ae.printStackTrace(err);
                }
                err.flush();
                return ae.exitCode();
            }
            err.println("error: internal error: " + ex + (debug ? "" : " (run with --debug for details; please"
                    + " report this)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cmd;
    }
}
