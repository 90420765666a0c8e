package io.fanout.protocol.resp;

import java.util.List;
import java.util.Locale;

/**
 * What fanout knows of one Redis command: its arity (Redis's convention: {@code n} exact,
 * {@code -n} at least n, counting the name), whether it may run before AUTH or in RESP2
 * subscribed mode, and the text COMMAND DOCS shows. Immutable.
 */
record CommandSpec(String name, int arity, boolean noAuth, boolean allowedWhileSubscribed, String group,
                   String since, String summary, List<String> flags, List<CommandSpec> subcommands,
                   String parent) {

    static CommandSpec of(String name, int arity, String group, String since, String summary, String... flags) {
        List<String> f = List.of(flags);
        return new CommandSpec(name, arity, f.contains("no-auth"), f.contains("pubsub-context"), group, since,
                summary, f.stream().filter(x -> !x.equals("pubsub-context")).toList(), List.of(), null);
    }

    CommandSpec withSubcommands(CommandSpec... subs) {
        List<CommandSpec> children = java.util.Arrays.stream(subs)
                .map(s -> new CommandSpec(s.name, s.arity, s.noAuth, s.allowedWhileSubscribed, s.group, s.since,
                        s.summary, s.flags, List.of(), name))
                .toList();
        return new CommandSpec(name, arity, noAuth, allowedWhileSubscribed, group, since, summary, flags, children,
                parent);
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
}
