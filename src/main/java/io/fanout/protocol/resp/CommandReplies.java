package io.fanout.protocol.resp;

import java.util.ArrayList;
import java.util.List;

/**
 * COMMAND, COMMAND COUNT | DOCS | INFO | LIST, and the HELP replies, built from
 * {@link CommandTable} in Redis 7's shapes — enough for redis-cli and client libraries that
 * ask the server what it supports when they connect.
 */
final class CommandReplies {
    private CommandReplies() {
    }

    static void command(String sub, RespArgs args, RespWriter out, int proto) {
        if (sub == null) {
            out.arrayHeader(CommandTable.all().size());
            for (CommandSpec spec : CommandTable.all()) {
                info(spec, out, proto);
            }
            return;
        }
        switch (sub) {
            case "count" -> out.integer(CommandTable.all().size());
            case "list" -> {
                List<String> names = new ArrayList<>();
                for (CommandSpec spec : CommandTable.all()) {
                    names.add(spec.name());
                    for (CommandSpec s : spec.subcommands()) {
                        names.add(s.fullName());
                    }
                }
                out.arrayHeader(names.size());
                names.forEach(out::bulk);
            }
            case "info" -> {
                if (args.count() == 2) {
                    command(null, args, out, proto);
                    return;
                }
                out.arrayHeader(args.count() - 2);
                for (int i = 2; i < args.count(); i++) {
                    CommandSpec spec = find(args.asciiLower(i));
                    if (spec == null) {
                        out.nullArray(proto);
                    } else {
                        info(spec, out, proto);
                    }
                }
            }
            case "docs" -> docs(args, out, proto);
            case "help" -> help(out, "COMMAND", new String[] {
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned."});
            default -> out.error("ERR unknown subcommand '" + sub + "'. Try COMMAND HELP.");
        }
    }

    /** A top-level name or a {@code parent|sub} full name. */
    private static CommandSpec find(String lowerName) {
        int bar = lowerName.indexOf('|');
        if (bar < 0) {
            return CommandTable.lookup(lowerName);
        }
        CommandSpec parent = CommandTable.lookup(lowerName.substring(0, bar));
        return parent == null ? null : parent.subcommand(lowerName.substring(bar + 1));
    }

    private static void info(CommandSpec spec, RespWriter out, int proto) {
        out.arrayHeader(10).bulk(spec.fullName()).integer(spec.arity());
        out.setHeader(spec.flags().size(), proto);
        for (String f : spec.flags()) {
            out.simple(f);
        }
        out.integer(0).integer(0).integer(0);
        out.setHeader(1, proto).simple("@" + spec.group());
        out.arrayHeader(0).arrayHeader(0);
        out.arrayHeader(spec.subcommands().size());
        for (CommandSpec s : spec.subcommands()) {
            info(s, out, proto);
        }
    }

    private static void docs(RespArgs args, RespWriter out, int proto) {
        List<CommandSpec> specs = new ArrayList<>();
        if (args.count() == 2) {
            specs.addAll(CommandTable.all());
        } else {
            for (int i = 2; i < args.count(); i++) {
                CommandSpec spec = find(args.asciiLower(i));
                if (spec != null) {
                    specs.add(spec);
                }
            }
        }
        out.mapHeader(specs.size(), proto);
        for (CommandSpec spec : specs) {
            out.bulk(spec.fullName());
            doc(spec, out, proto);
        }
    }

    private static void doc(CommandSpec spec, RespWriter out, int proto) {
        boolean hasSubs = !spec.subcommands().isEmpty();
        out.mapHeader(hasSubs ? 4 : 3, proto)
                .bulk("summary").bulk(spec.summary())
                .bulk("since").bulk(spec.since())
                .bulk("group").bulk(spec.group());
        if (hasSubs) {
            out.bulk("subcommands").mapHeader(spec.subcommands().size(), proto);
            for (CommandSpec s : spec.subcommands()) {
                out.bulk(s.fullName());
                doc(s, out, proto);
            }
        }
    }

    /** Redis's addReplyHelp: a header, the lines, and the HELP footer, as status replies. */
    static void help(RespWriter out, String command, String[] lines) {
        out.arrayHeader(lines.length + 3);
        out.simple(command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String line : lines) {
            out.simple(line);
        }
        out.simple("HELP");
        out.simple("    Print this help.");
    }
}
