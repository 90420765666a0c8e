package io.fanout.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code fanout [serve|bench] [options]}: picocli front door. With no verb, serves.
 * Exit codes: 0 ok, 1 runtime failure (a port in use), 2 bad command line, 70 an event loop
 * crashed (the server stopped; a supervisor should restart it).
 */
@Command(name = "fanout", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Broadcast / pub-sub server with slow-client protection.",
        subcommands = {ServeCommand.class, io.fanout.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("fanout: " + ex.getMessage());
            cmd.getErr().println("Try 'fanout " + (cmd.getCommandName().equals("fanout") ? "" : cmd.getCommandName() + " ")
                    + "--help' for the options.");
            return 2;
        });
        if (args.length == 0 || args[0].startsWith("-") && !isTopLevelFlag(args[0])) {
            String[] withVerb = new String[args.length + 1];
            withVerb[0] = "serve";
            System.arraycopy(args, 0, withVerb, 1, args.length);
            args = withVerb;
        }
        return cli.execute(args);
    }

    private static boolean isTopLevelFlag(String a) {
        return a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V");
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"fanout " + (v == null ? "dev" : v)};
        }
    }
}
