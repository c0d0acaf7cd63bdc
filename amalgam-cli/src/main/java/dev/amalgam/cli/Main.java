package dev.amalgam.cli;

import dev.amalgam.error.AmalgamException;
import dev.amalgam.output.OutputFolder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code amalgam} command. The only place that calls {@code System.exit}. */
@Command(name = "amalgam", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Merge neural-network checkpoints (Hugging Face safetensors) with mergekit-compatible recipes.")
public final class Main {
    /**
     * The subcommands, in the order {@code amalgam --help} lists them. Registered in code rather than in the
     * annotation so that a run builds only the one it needs: picocli reads every registered command's annotations
     * by reflection, and for all of them that costs about 70 ms of start-up (measured on this project's 2-core
     * machine), on every run.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        var m = new LinkedHashMap<String, Supplier<Object>>();
        m.put("merge", MergeCommand::new);
        m.put("validate", ValidateCommand::new);
        m.put("inspect", InspectCommand::new);
        m.put("methods", MethodsCommand::new);
        m.put("align", AlignCommand::new);
        m.put("lora", LoraCommand::new);
        m.put("make-example-models", MakeExampleModelsCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        m.put("download", DownloadCommand::new);
        m.put("push", PushCommand::new);
        return Collections.unmodifiableMap(m);
    }

    public static final String VERSION = "0.1.0";

    /** The environment commands read (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, ...): the process's, or a test's. */
    final Map<String, String> env;

    Main(Map<String, String> env) {
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
        CommandLine cmd = commandLine(System.getenv(), args);
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
    static CommandLine commandLine(Map<String, String> env) {
        return commandLine(env, new String[0]);
    }

    /**
     * The command line for {@code args}: with only the subcommand that {@code args} names, or with all of them when
     * the first argument names none (no arguments, an option such as {@code --help}, {@code help}, or a typo, for
     * which picocli lists the commands or suggests the nearest one).
     */
    static CommandLine commandLine(Map<String, String> env, String[] args) {
        CommandLine cmd = new CommandLine(new Main(env));
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.containsKey(first) && !first.equals("help")) {
            cmd.addSubcommand(first, SUBCOMMANDS.get(first).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cmd.addSubcommand(name, command.get()));
        }
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
