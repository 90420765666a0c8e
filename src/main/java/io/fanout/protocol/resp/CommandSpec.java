package io.fanout.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What fanout knows of one Redis command: its arity (Redis's convention: {@code n} exact,
 * {@code -n} at least n, counting the name), whether it may run before AUTH or in RESP2
 * subscribed mode, what COMMAND INFO / COMMAND DOCS show, and the {@link CommandHandler}
 * that runs it. Immutable.
 *
 * <p>Flags use Redis 7.0's names and are listed in Redis's bit order (the order COMMAND INFO
 * prints them); {@code pubsub-context} is fanout's own marker for "allowed while a RESP2
 * client is subscribed" and is never shown.
 */
record CommandSpec(String name, int arity, boolean noAuth, boolean allowedWhileSubscribed, String group,
                   String since, String summary, List<String> flags, List<CommandSpec> subcommands,
                   String parent, int firstKey, int lastKey, int keyStep, List<String> tips,
                   CommandHandler handler) {

    private static final String SUBSCRIBED_CONTEXT = "pubsub-context";

    static CommandSpec of(String name, int arity, String group, String since, String summary, String... flags) {
        List<String> f = List.of(flags);
        return new CommandSpec(name, arity, f.contains("no_auth"), f.contains(SUBSCRIBED_CONTEXT), group, since,
                summary, f.stream().filter(x -> !x.equals(SUBSCRIBED_CONTEXT)).toList(), List.of(), null,
                0, 0, 0, List.of(), null);
    }

    CommandSpec withSubcommands(CommandSpec... subs) {
        List<CommandSpec> children = java.util.Arrays.stream(subs)
                .map(s -> new CommandSpec(s.name, s.arity, s.noAuth, s.allowedWhileSubscribed, s.group, s.since,
                        s.summary, s.flags, List.of(), name, s.firstKey, s.lastKey, s.keyStep, s.tips,
                        s.handler))
                .toList();
        return new CommandSpec(name, arity, noAuth, allowedWhileSubscribed, group, since, summary, flags, children,
                parent, firstKey, lastKey, keyStep, tips, handler);
    }

    /** The legacy key positions of COMMAND INFO (shard channels are keys for cluster routing). */
    CommandSpec withKeys(int first, int last, int step) {
        return new CommandSpec(name, arity, noAuth, allowedWhileSubscribed, group, since, summary, flags,
                subcommands, parent, first, last, step, tips, handler);
    }

    /** Redis's command tips (hints for cluster clients), shown by COMMAND INFO. */
    CommandSpec withTips(String... t) {
        return new CommandSpec(name, arity, noAuth, allowedWhileSubscribed, group, since, summary, flags,
                subcommands, parent, firstKey, lastKey, keyStep, List.of(t), handler);
    }

    /** The code that runs this command (set on every entry of {@link CommandTable}). */
    CommandSpec withHandler(CommandHandler h) {
        return new CommandSpec(name, arity, noAuth, allowedWhileSubscribed, group, since, summary, flags,
                subcommands, parent, firstKey, lastKey, keyStep, tips, h);
    }

    /** Redis's fullname: {@code publish}, or {@code client|kill} for a subcommand. */
    String fullName() {
        return parent == null ? name : parent + "|" + name;
    }

    boolean arityAccepts(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }

    CommandSpec subcommand(String lowerName) {
        for (CommandSpec s : subcommands) {
            if (s.name.equals(lowerName)) {
                return s;
            }
        }
        return null;
    }

    boolean isContainer() {
        return !subcommands.isEmpty();
    }

    String upperName() {
        return name.toUpperCase(Locale.ROOT);
    }

    /**
     * ACL categories as Redis 7.0 derives them: containers are only {@code @slow}; otherwise
     * the pubsub flag gives {@code @pubsub}, admin gives {@code @admin} and {@code @dangerous},
     * the fast flag {@code @fast} (else {@code @slow}), plus the group's own category. Listed in
     * Redis's category order (pubsub, admin, fast, slow, dangerous, connection, transaction).
     */
    List<String> aclCategories() {
        List<String> out = new ArrayList<>();
        if (isContainer()) {
            out.add("@slow");
            if (name.equals("command")) { // COMMAND also runs on its own
                out.add("@connection");
            }
            return out;
        }
        boolean admin = flags.contains("admin");
        if (flags.contains("pubsub")) {
            out.add("@pubsub");
        }
        if (admin) {
            out.add("@admin");
        }
        out.add(flags.contains("fast") ? "@fast" : "@slow");
        if (admin || name.equals("info") && parent == null) {
            out.add("@dangerous");
        }
        if (group.equals("connection") || "command".equals(parent)) {
            out.add("@connection");
        }
        if (group.equals("transactions")) {
            out.add("@transaction");
        }
        return out;
    }
}
