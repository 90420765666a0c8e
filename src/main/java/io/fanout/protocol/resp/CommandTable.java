package io.fanout.protocol.resp;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The commands fanout answers on its RESP port, with Redis 7's arities, so that arity and
 * "unknown command" errors, COMMAND, COMMAND COUNT and COMMAND DOCS match what Redis says
 * for the same commands. Immutable after class initialisation.
 */
final class CommandTable {
    private static final Map<String, CommandSpec> COMMANDS = new LinkedHashMap<>();

    static {
        add(CommandSpec.of("subscribe", -2, "pubsub", "2.0.0", "Listens for messages published to channels.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context").withHandler(PubSubCommands::subscribe));
        add(CommandSpec.of("unsubscribe", -1, "pubsub", "2.0.0", "Stops listening to messages posted to channels.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context").withHandler(PubSubCommands::unsubscribe));
        add(CommandSpec.of("psubscribe", -2, "pubsub", "2.0.0",
                "Listens for messages published to channels that match one or more patterns.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context").withHandler(PubSubCommands::psubscribe));
        add(CommandSpec.of("punsubscribe", -1, "pubsub", "2.0.0",
                "Stops listening to messages published to channels that match one or more patterns.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context").withHandler(PubSubCommands::punsubscribe));
        add(CommandSpec.of("ssubscribe", -2, "pubsub", "7.0.0", "Listens for messages published to shard channels.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context")
                        .withHandler(PubSubCommands::ssubscribe)
                        .withKeys(1, -1, 1));
        add(CommandSpec.of("sunsubscribe", -1, "pubsub", "7.0.0",
                "Stops listening to messages posted to shard channels.",
                "pubsub", "noscript", "loading", "stale", "pubsub-context")
                        .withHandler(PubSubCommands::sunsubscribe)
                        .withKeys(1, -1, 1));
        add(CommandSpec.of("publish", 3, "pubsub", "2.0.0", "Posts a message to a channel.",
                "pubsub", "loading", "stale", "fast").withHandler(PubSubCommands::publish));
        add(CommandSpec.of("spublish", 3, "pubsub", "7.0.0", "Post a message to a shard channel",
                "pubsub", "loading", "stale", "fast").withHandler(PubSubCommands::spublish).withKeys(1, 1, 1));
        add(CommandSpec.of("pubsub", -2, "pubsub", "2.8.0", "A container for Pub/Sub commands.")
                .withHandler(CommandReplies::containerArity)
                .withSubcommands(
                CommandSpec.of("channels", -2, "pubsub", "2.8.0", "Returns the active channels.",
                        "pubsub", "loading", "stale").withHandler(PubsubCommand::channels),
                CommandSpec.of("numsub", -2, "pubsub", "2.8.0",
                        "Returns a count of subscribers to channels.", "pubsub", "loading", "stale")
                                .withHandler(PubsubCommand::numsub),
                CommandSpec.of("numpat", 2, "pubsub", "2.8.0",
                        "Returns a count of unique pattern subscriptions.", "pubsub", "loading", "stale")
                                .withHandler(PubsubCommand::numpat),
                CommandSpec.of("shardchannels", -2, "pubsub", "7.0.0", "Returns the active shard channels.",
                        "pubsub", "loading", "stale").withHandler(PubsubCommand::shardChannels),
                CommandSpec.of("shardnumsub", -2, "pubsub", "7.0.0",
                        "Returns the count of subscribers of shard channels.", "pubsub", "loading", "stale")
                                .withHandler(PubsubCommand::shardNumsub),
                CommandSpec.of("help", 2, "pubsub", "6.2.0", "Returns helpful text about the different subcommands.",
                        "loading", "stale").withHandler(PubsubCommand::help)));
        add(CommandSpec.of("ping", -1, "connection", "1.0.0", "Returns the server's liveliness response.",
                "fast", "pubsub-context")
                        .withHandler(ConnectionCommands::ping)
                        .withTips("request_policy:all_shards", "response_policy:all_succeeded"));
        add(CommandSpec.of("echo", 2, "connection", "1.0.0", "Returns the given string.", "loading", "stale", "fast")
                .withHandler(ConnectionCommands::echo));
        add(CommandSpec.of("quit", -1, "connection", "1.0.0", "Closes the connection.",
                "noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "pubsub-context")
                        .withHandler(ConnectionCommands::quit));
        add(CommandSpec.of("reset", 1, "connection", "6.2.0", "Resets the connection.",
                "noscript", "loading", "stale", "fast", "no_auth", "allow_busy", "pubsub-context")
                        .withHandler(ConnectionCommands::reset));
        add(CommandSpec.of("hello", -1, "connection", "6.0.0", "Handshakes with the Redis server.",
                "noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
                        .withHandler(ConnectionCommands::hello));
        add(CommandSpec.of("auth", -2, "connection", "1.0.0", "Authenticates the connection.",
                "noscript", "loading", "stale", "fast", "no_auth", "allow_busy").withHandler(ConnectionCommands::auth));
        add(CommandSpec.of("select", 2, "connection", "1.0.0", "Changes the selected database.",
                "loading", "stale", "fast").withHandler(ConnectionCommands::select));
        add(CommandSpec.of("client", -2, "connection", "2.4.0", "A container for client connection commands.")
                .withHandler(CommandReplies::containerArity)
                .withSubcommands(
                        CommandSpec.of("id", 2, "connection", "5.0.0",
                                "Returns the unique client ID of the connection.",
                                "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().id(o)),
                        CommandSpec.of("setname", 3, "connection", "2.6.9", "Sets the connection name.",
                                "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().setName(a, o)),
                        CommandSpec.of("getname", 2, "connection", "2.6.9", "Returns the name of the connection.",
                                "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().getName(o)),
                        CommandSpec.of("list", -2, "connection", "2.4.0", "Lists open connections.",
                                "admin", "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().list(a, o))
                                        .withTips("nondeterministic_output"),
                        CommandSpec.of("info", 2, "connection", "6.2.0",
                                "Returns information about the connection.", "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().info(o))
                                        .withTips("nondeterministic_output"),
                        CommandSpec.of("kill", -3, "connection", "2.4.0", "Terminates open connections.",
                                "admin", "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().kill(a, o)),
                        CommandSpec.of("setinfo", 4, "connection", "7.2.0",
                                "Sets information specific to the client or connection.",
                                "noscript", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> s.clientCommands().setInfo(a, o)),
                        CommandSpec.of("help", 2, "connection", "5.0.0",
                                "Returns helpful text about the different subcommands.", "loading", "stale")
                                        .withHandler((s, spec, a, o) -> ClientCommands.help(o))));
        add(CommandSpec.of("multi", 1, "transactions", "1.2.0", "Mark the start of a transaction block",
                "noscript", "loading", "stale", "fast", "allow_busy").withHandler(TransactionCommands::multi));
        add(CommandSpec.of("exec", 1, "transactions", "1.2.0", "Execute all commands issued after MULTI",
                "noscript", "loading", "stale", "skip_slowlog").withHandler(TransactionCommands::exec));
        add(CommandSpec.of("discard", 1, "transactions", "2.0.0", "Discard all commands issued after MULTI",
                "noscript", "loading", "stale", "fast", "allow_busy").withHandler(TransactionCommands::discard));
        add(CommandSpec.of("watch", -2, "transactions", "2.2.0",
                "Watch the given keys to determine execution of the MULTI/EXEC block",
                "noscript", "loading", "stale", "fast", "allow_busy")
                        .withHandler(TransactionCommands::watch)
                        .withKeys(1, -1, 1));
        add(CommandSpec.of("unwatch", 1, "transactions", "2.2.0", "Forget about all watched keys",
                "noscript", "loading", "stale", "fast", "allow_busy").withHandler(TransactionCommands::unwatch));
        add(CommandSpec.of("info", -1, "server", "1.0.0", "Returns information and statistics about the server.",
                "loading", "stale")
                        .withHandler(InfoReport::info)
                        .withTips("nondeterministic_output", "request_policy:all_shards", "response_policy:special"));
        add(CommandSpec.of("command", -1, "server", "2.8.13", "Returns detailed information about all commands.",
                "loading", "stale")
                        .withHandler(CommandReplies::all)
                        .withTips("nondeterministic_output_order")
                        .withSubcommands(
                        CommandSpec.of("count", 2, "server", "2.8.13", "Returns a count of commands.",
                                "loading", "stale").withHandler(CommandReplies::subcommand),
                        CommandSpec.of("docs", -2, "server", "7.0.0",
                                "Returns documentary information about one, multiple or all commands.",
                                "loading", "stale")
                                        .withHandler(CommandReplies::subcommand)
                                        .withTips("nondeterministic_output_order"),
                        CommandSpec.of("info", -2, "server", "2.8.13",
                                "Returns information about one, multiple or all commands.", "loading", "stale")
                                        .withHandler(CommandReplies::subcommand)
                                        .withTips("nondeterministic_output_order"),
                        CommandSpec.of("list", -2, "server", "7.0.0", "Returns a list of command names.",
                                "loading", "stale")
                                        .withHandler(CommandReplies::subcommand)
                                        .withTips("nondeterministic_output_order"),
                        CommandSpec.of("help", 2, "server", "5.0.0",
                                "Returns helpful text about the different subcommands.", "loading", "stale")
                                        .withHandler(CommandReplies::subcommand)));
    }

    private CommandTable() {
    }

    private static void add(CommandSpec spec) {
        COMMANDS.put(spec.name(), spec);
    }

    static CommandSpec lookup(String lowerName) {
        return COMMANDS.get(lowerName);
    }

    static Collection<CommandSpec> all() {
        return COMMANDS.values();
    }
}
