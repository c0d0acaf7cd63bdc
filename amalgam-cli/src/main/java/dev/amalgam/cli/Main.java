package dev.amalgam.cli;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.output.OutputFolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code amalgam} command. The only place that calls {@code System.exit}. */
@Command(name = "amalgam", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Merge neural-network checkpoints (Hugging Face safetensors) with mergekit-compatible recipes.",
        subcommands = {MergeCommand.class, ValidateCommand.class, InspectCommand.class, MethodsCommand.class, AlignCommand.class,
                LoraCommand.class, MakeExampleModelsCommand.class,
                CommandLine.HelpCommand.class})
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

    /** Set when the command has finished, so that the shutdown hook can tell an interrupt from a normal exit. */
    private static volatile boolean finished;

    /**
     * netlib's BLAS loader logs which implementation it picked at INFO on stderr, in the middle of a merge's output;
     * only its warnings reach the user. A strong reference, because java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger NETLIB_LOG = quiet("dev.ludovic.netlib");

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(name);
        log.setLevel(java.util.logging.Level.WARNING);
        return log;
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(Main::interruptNotice, "amalgam-interrupt-notice"));
        int code = run(args);
        finished = true;
        System.exit(code);
    }

    /**
     * On Ctrl-C or SIGTERM the JVM runs its shutdown hooks and exits with 128 + the signal number (130 for SIGINT,
     * 143 for SIGTERM). This hook removes the unfinished output (the same cleanup as {@link OutputFolder}'s own hook,
     * whichever runs first does it) and says so in one line.
     */
    private static void interruptNotice() {
        if (finished) {
            return;
        }
        var removed = OutputFolder.abandonAll();
        String what = removed.isEmpty() ? "nothing had been written"
                : "removed the unfinished output " + String.join(", ", removed.stream().map(Object::toString).toList())
                + "; OUT_PATH was left as it was";
        System.err.println("error: interrupted (Ctrl-C or a termination signal); " + what + ".");
        System.err.flush();
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cmd = commandLine();
        try {
            return cmd.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("error: out of memory. Give the JVM more heap (JAVA_OPTS=-Xmx...) or lower -j.");
            return 1;
        } catch (InternalError e) {
            if (!dev.amalgam.error.IoMessages.isMappedReadFault(e)) {
                throw e;
            }
            var ae = dev.amalgam.error.IoMessages.mappedReadFault(e);
            System.err.println("error: " + ae.getMessage());
            return ae.exitCode();
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
            if (OutputFolder.shuttingDown()) {
                // the JVM is exiting on a signal: the interrupt notice says what happened, a second error about
                // the output folder that the cleanup just removed would only confuse
                return 130;
            }
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
