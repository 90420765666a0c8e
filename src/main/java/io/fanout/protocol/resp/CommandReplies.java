package io.fanout.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.fanout.broker.GlobPattern;

/**
 * COMMAND, COMMAND COUNT | DOCS | INFO | LIST, and the HELP replies, built from
 * {@link CommandTable} in Redis 7's shapes — enough for redis-cli and client libraries that
 * ask the server what it supports when they connect — and the error texts that quote a
 * client's arguments the way Redis does.
 */
final class CommandReplies {
    private CommandReplies() {
    }

    /** Handler of COMMAND itself; its subcommands use {@link #subcommand}. */
    static void all(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        command(null, args, out, s.protocolVersion());
    }

    /** Handler of COMMAND COUNT | LIST | INFO | DOCS | HELP. */
    static void subcommand(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        command(spec.name(), args, out, s.protocolVersion());
    }

    /** Handler of a container (CLIENT, PUBSUB) reached without its subcommand. */
    static void containerArity(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.error("ERR wrong number of arguments for '" + spec.name() + "' command");
    }

    /**
     * Redis's text, built as Redis builds it: the name and each argument printed with C's
     * {@code %.*s} (so a NUL byte ends it), the argument list capped near 128 bytes.
     */
    static void unknownCommand(RespArgs args, RespWriter out) {
        StringBuilder list = new StringBuilder();
        for (int i = 1; i < args.count() && list.length() < 128; i++) {
            String arg = cArg(args, i, 128 - list.length());
            list.append('\'').append(arg).append("' ");
        }
        errorLatin1(out, "ERR unknown command '" + cArg(args, 0, 128) + "', with args beginning with: " + list);
    }

    /**
     * Argument {@code i} as C's {@code "%.Ns"} prints it, which is how Redis quotes arguments in
     * its error texts: the bytes up to the first NUL, at most {@code maxBytes} of them, one
     * char per byte (ISO-8859-1) so {@link #errorLatin1} writes them back unchanged.
     */
    static String cArg(RespArgs args, int i, int maxBytes) {
        int len = Math.min(args.length(i), maxBytes);
        StringBuilder sb = new StringBuilder(len);
        for (int j = 0; j < len; j++) {
            byte b = args.byteAt(i, j);
            if (b == 0) {
                break;
            }
            sb.append((char) (b & 0xFF));
        }
        return sb.toString();
    }

    /** Writes an error whose text holds one char per byte (see {@link #cArg}). */
    static void errorLatin1(RespWriter out, String text) {
        out.error(text.getBytes(StandardCharsets.ISO_8859_1));
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
            case "list" -> list(args, out);
            case "info" -> {
                if (args.count() == 2) {
                    command(null, args, out, proto);
                    return;
                }
                out.arrayHeader(args.count() - 2);
                for (int i = 2; i < args.count(); i++) {
                    CommandSpec spec = find(args.asciiLower(i));
                    if (spec == null) {
                        out.nullBulk(proto); // Redis 7.0 answers an unknown name with a null bulk
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

    /**
     * COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob], Redis 7.0's rules:
     * exactly these shapes, anything else is a syntax error; names include subcommands.
     */
    private static void list(RespArgs args, RespWriter out) {
        int argc = args.count();
        String filter = null;
        String value = null;
        if (argc == 5 && args.equalsIgnoreCase(2, "filterby")) {
            filter = args.asciiLower(3);
            value = args.string(4);
            if (!filter.equals("module") && !filter.equals("aclcat") && !filter.equals("pattern")) {
                out.error("ERR syntax error");
                return;
            }
        } else if (argc != 2) {
            out.error("ERR syntax error");
            return;
        }
        List<String> names = new ArrayList<>();
        for (CommandSpec spec : CommandTable.all()) {
            addIfListed(spec, filter, value, names);
            for (CommandSpec s : spec.subcommands()) {
                addIfListed(s, filter, value, names);
            }
        }
        out.arrayHeader(names.size());
        names.forEach(out::bulk);
    }

    private static void addIfListed(CommandSpec spec, String filter, String value, List<String> names) {
        boolean listed;
        if (filter == null) {
            listed = true;
        } else if (filter.equals("module")) {
            listed = false; // fanout has no modules
        } else if (filter.equals("aclcat")) {
            listed = spec.aclCategories().contains("@" + value.toLowerCase(java.util.Locale.ROOT));
        } else {
            listed = GlobPattern.matches(value.toLowerCase(java.util.Locale.ROOT).getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), spec.fullName().getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
        }
        if (listed) {
            names.add(spec.fullName());
        }
    }

    /**
     * One COMMAND INFO entry, Redis 7.0's ten fields: name, arity, flags, first key, last key,
     * key step, ACL categories, tips, key specs (always empty here), subcommands. Flags,
     * categories, tips, key specs and subcommands are sets in RESP3, as Redis sends them.
     */
    private static void info(CommandSpec spec, RespWriter out, int proto) {
        out.arrayHeader(10).bulk(spec.fullName()).integer(spec.arity());
        out.setHeader(spec.flags().size(), proto);
        for (String f : spec.flags()) {
            out.simple(f);
        }
        out.integer(spec.firstKey()).integer(spec.lastKey()).integer(spec.keyStep());
        List<String> categories = spec.aclCategories();
        out.setHeader(categories.size(), proto);
        for (String c : categories) {
            out.simple(c);
        }
        out.setHeader(spec.tips().size(), proto);
        for (String t : spec.tips()) {
            out.bulk(t);
        }
        out.setHeader(0, proto);
        out.setHeader(spec.subcommands().size(), proto);
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
        out.simple("    Prints this help."); // Redis 7.0's wording
    }
}
