package io.nlink.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nlink}: the command line. Each subcommand is one class beside this one. */
@Command(
        name = "nlink",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Runs and checks nLink community nodes (WebAssembly in a pure-JVM sandbox), and serves the dashboard.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            ScaffoldCommand.class,
            BuildCommand.class,
            TestCommand.class,
            PackCommand.class,
            ServeCommand.class,
            WorkerCommand.class,
            WorkflowCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    /** Exit code of a run in which some item failed. */
    static final int ITEM_FAILED = 1;

    /** Exit code of a package, module or parameter that cannot run at all. */
    static final int INVALID = 2;

    /** {@code --version}: the server's version, which Maven takes from the pom. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nlink " + io.nlink.server.NlinkServer.VERSION};
        }
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** The command tree with its defaults ({@link CliDefaults}). */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new CliDefaults());
        return cli;
    }

    static int execute(String... args) {
        CommandLine cli = commandLine();
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("nlink: " + e.getMessage());
            return INVALID;
        });
        return cli.execute(args);
    }
}
