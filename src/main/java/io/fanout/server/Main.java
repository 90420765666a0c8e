package io.fanout.server;

import java.util.Arrays;
import java.util.Map;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code fanout [serve|bench] [options]}: picocli front door. With no verb, serves.
 * Exit codes: 0 ok (also after a clean SIGTERM / SIGINT drain), 1 runtime failure (a port in
 * use, a drain that did not finish), 2 bad command line, environment or config file, 70 an
 * event loop crashed (the server stopped; a supervisor should restart it).
 *
 * <p>serve's options also come from {@code FANOUT_<OPTION>} environment variables and a
 * {@code --config} file ({@link ConfigSources}); picocli's {@code @argfile} expansion is on
 * (its default), so {@code fanout @/etc/fanout/args} reads options from a file too.
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
        return run(System.getenv(), args);
    }

    /** {@link #run(String...)} with a given environment (tests). */
    static int run(Map<String, String> env, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("fanout: " + ex.getMessage() + origin(ex));
            cmd.getErr().println("Try 'fanout " + (cmd.getCommandName().equals("fanout") ? "" : cmd.getCommandName() + " ")
                    + "--help' for the options.");
            return 2;
        });
        // "@file" first: an argfile of serve options (picocli expands it after the verb).
        if (args.length == 0 || args[0].startsWith("-") && !isTopLevelFlag(args[0]) || args[0].startsWith("@")) {
            String[] withVerb = new String[args.length + 1];
            withVerb[0] = "serve";
            System.arraycopy(args, 0, withVerb, 1, args.length);
            args = withVerb;
        }
        if (args[0].equals("serve")) {
            String[] serveArgs = Arrays.copyOfRange(args, 1, args.length);
            try {
                cli.getSubcommands().get("serve").setDefaultValueProvider(sources(env, serveArgs));
            } catch (IllegalArgumentException e) {
                cli.getErr().println("fanout: " + e.getMessage());
                cli.getErr().println("Try 'fanout serve --help' for the options.");
                cli.getErr().flush();
                return 2;
            }
        }
        return cli.execute(args);
    }

    /**
     * The environment and the config file as a picocli default provider. Two passes: a first
     * parse with the environment only finds {@code --config} however it was given (--config=F,
     * inside an @argfile, FANOUT_CONFIG); a command line that does not parse is left to the
     * real parse, which reports it.
     *
     * @throws IllegalArgumentException for an unreadable or bad config file
     */
    static ConfigSources sources(Map<String, String> env, String[] serveArgs) {
        ServeCommand probe = new ServeCommand();
        CommandLine first = new CommandLine(probe);
        first.setDefaultValueProvider(ConfigSources.environmentOnly(env));
        try {
            first.parseArgs(serveArgs);
        } catch (CommandLine.ParameterException e) {
            return ConfigSources.environmentOnly(env);
        }
        return ConfigSources.load(env, probe.configFile, first.getCommandSpec().options());
    }

    /** The config {@code serve serveArgs} would run with, nothing started (precedence tests). */
    static ServerConfig parseServe(Map<String, String> env, String... serveArgs) {
        ServeCommand serve = new ServeCommand();
        CommandLine cli = new CommandLine(serve);
        cli.setDefaultValueProvider(sources(env, serveArgs));
        cli.parseArgs(serveArgs);
        return serve.toConfig();
    }

    /** " (from environment FANOUT_PORT)" when picocli refused a value that the command line did not give. */
    private static String origin(CommandLine.ParameterException ex) {
        if (!(ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o)
                || !(ex.getCommandLine().getCommandSpec().defaultValueProvider() instanceof ConfigSources s)) {
            return "";
        }
        // The parse result is not there yet when parsing fails: compare the refused value instead.
        String key = ConfigSources.key(o);
        if (key == null || ex.getValue() == null || !ex.getValue().equals(s.defaultValue(o))) {
            return "";
        }
        String where = s.describe(key);
        return where == null ? "" : " (from " + where + ")";
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
