package io.fanout.protocol.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * CLIENT ID | SETNAME | GETNAME | LIST | INFO | KILL | SETINFO | HELP with Redis 7's replies,
 * one method per subcommand (the handlers in {@link CommandTable} call them); one per session.
 * CLIENT LIST covers every connection of every protocol; its {@code omem} field is the
 * client's backlog (bytes queued, not yet taken by the kernel), which is what fanout's
 * slow-client policy judges. Runs on the calling session's loop; reads other loops'
 * connections racily (a listing, never a decision) and posts kills to their owners.
 */
final class ClientCommands {
    private static final List<String> CLIENT_TYPES = List.of("normal", "master", "replica", "slave", "pubsub");
    private final RespProtocol protocol;
    private final RespSession session;

    ClientCommands(RespProtocol protocol, RespSession session) {
        this.protocol = protocol;
        this.session = session;
    }

    void id(RespWriter out) {
        out.integer(session.connection().id());
    }

    void getName(RespWriter out) {
        if (session.name().isEmpty()) {
            out.nullBulk(session.protocolVersion());
        } else {
            out.bulk(session.name());
        }
    }

    void setName(RespArgs args, RespWriter out) {
        if (trySetName(session, args.string(2), out)) {
            out.simple("OK");
        }
    }

    void info(RespWriter out) {
        out.verbatim("txt", describe(session.connection()) + "\n", session.protocolVersion());
    }

    static void help(RespWriter out) {
        CommandReplies.help(out, "CLIENT", new String[] {
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "    * ID <client-id> [<client-id> ...]",
            "      Return clients of specified IDs only.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version."});
    }

    /** Redis's rule: names are printable ASCII without spaces; empty clears. */
    static boolean trySetName(RespSession session, String name, RespWriter out) {
        if (!isPrintableWithoutSpaces(name)) {
            out.error("ERR Client names cannot contain spaces, newlines or special characters.");
            return false;
        }
        session.setName(name);
        return true;
    }

    private static boolean isPrintableWithoutSpaces(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '!' || ch > '~') {
                return false;
            }
        }
        return true;
    }

    void setInfo(RespArgs args, RespWriter out) {
        String attr = args.string(2).toLowerCase(Locale.ROOT);
        String value = args.string(3);
        if (!attr.equals("lib-name") && !attr.equals("lib-ver")) {
            CommandReplies.errorLatin1(out, "ERR Unrecognized option '" + CommandReplies.cArg(args, 2, Integer.MAX_VALUE)
                    + "'");
            return;
        }
        if (!isPrintableWithoutSpaces(value) && !value.isEmpty()) {
            out.error("ERR " + attr + " cannot contain spaces, newlines or special characters.");
            return;
        }
        if (attr.equals("lib-name")) {
            session.setLibName(value);
        } else {
            session.setLibVersion(value);
        }
        out.simple("OK");
    }

    /**
     * CLIENT LIST [TYPE type | ID id [id ...]], with Redis 7.0's parsing: one option only;
     * an ID that is not an integer is an error, ids that cannot exist (&lt;= 0) just match nothing.
     */
    void list(RespArgs args, RespWriter out) {
        String type = null;
        List<Long> ids = null;
        int argc = args.count();
        if (argc == 4 && args.equalsIgnoreCase(2, "type")) {
            type = args.string(3).toLowerCase(Locale.ROOT);
            if (!CLIENT_TYPES.contains(type)) {
                CommandReplies.errorLatin1(out, "ERR Unknown client type '"
                        + CommandReplies.cArg(args, 3, Integer.MAX_VALUE) + "'");
                return;
            }
        } else if (argc >= 4 && args.equalsIgnoreCase(2, "id")) {
            ids = new ArrayList<>();
            for (int j = 3; j < argc; j++) {
                long id;
                try {
                    id = args.parseLong(j);
                } catch (NumberFormatException e) {
                    out.error("ERR Invalid client ID");
                    return;
                }
                if (id > 0) {
                    ids.add(id);
                }
            }
        } else if (argc != 2) {
            out.error("ERR syntax error");
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (Connection c : sortedConnections()) {
            if (ids != null && !ids.contains(c.id())) {
                continue;
            }
            if (type != null && !type.equals(typeOf(c))) {
                continue;
            }
            sb.append(describe(c)).append('\n');
        }
        out.verbatim("txt", sb.toString(), session.protocolVersion());
    }

    private List<Connection> sortedConnections() {
        List<Connection> all = new ArrayList<>(protocol.engine.connections());
        all.sort((a, b) -> Long.compare(a.id(), b.id()));
        return all;
    }

    private static String typeOf(Connection c) {
        ConnectionHandler h = c.handler();
        if (h instanceof RespSession s) {
            return s.channelCount() + s.patternCount() + s.shardCount() > 0 ? "pubsub" : "normal";
        }
        return "pubsub"; // line clients are subscribers of the line channel
    }

    /** CLIENT KILL: the old form (one address) or the filter form, parsed, then applied. */
    void kill(RespArgs args, RespWriter out) {
        if (args.count() == 3) {
            killByAddress(args.string(2), out);
            return;
        }
        KillFilter filter = KillFilter.parse(args, out);
        if (filter == null) {
            return; // the parser has answered with the error
        }
        int killed = 0;
        for (Connection c : sortedConnections()) {
            if (filter.matches(c, session.connection())) {
                killConnection(c);
                killed++;
            }
        }
        out.integer(killed);
    }

    private void killByAddress(String addr, RespWriter out) {
        for (Connection c : protocol.engine.connections()) {
            if (c.remoteAddress().equals(addr)) {
                killConnection(c);
                out.simple("OK");
                return;
            }
        }
        out.error("ERR No such client");
    }

    /** The filters of {@code CLIENT KILL <filter> <value> ...}; null fields match anything. */
    private record KillFilter(Long id, String type, String addr, String laddr, boolean skipMe) {
        boolean matches(Connection c, Connection self) {
            return (id == null || c.id() == id)
                    && (type == null || type.equals(typeOf(c)))
                    && (addr == null || addr.equals(c.remoteAddress()))
                    && (laddr == null || laddr.equals(c.localAddress()))
                    && !(skipMe && c == self);
        }

        /** Parses the filter pairs with Redis's errors; on an error answers it and returns null. */
        static KillFilter parse(RespArgs args, RespWriter out) {
            KillFilter f = new KillFilter(null, null, null, null, true);
            int argc = args.count();
            for (int j = 2; j < argc && f != null; j += 2) {
                if (j + 1 >= argc) {
                    out.error("ERR syntax error");
                    return null;
                }
                f = f.with(args, j, out);
            }
            return f;
        }

        /** This filter with the pair at {@code j} applied, or null after answering an error. */
        private KillFilter with(RespArgs args, int j, RespWriter out) {
            String value = args.string(j + 1);
            if (args.equalsIgnoreCase(j, "id")) {
                long parsed = parseId(args, j + 1);
                if (parsed <= 0) {
                    out.error("ERR client-id should be greater than 0");
                    return null;
                }
                return new KillFilter(parsed, type, addr, laddr, skipMe);
            } else if (args.equalsIgnoreCase(j, "type")) {
                String t = value.toLowerCase(Locale.ROOT);
                if (!CLIENT_TYPES.contains(t)) {
                    CommandReplies.errorLatin1(out, "ERR Unknown client type '"
                            + CommandReplies.cArg(args, j + 1, Integer.MAX_VALUE) + "'");
                    return null;
                }
                return new KillFilter(id, t, addr, laddr, skipMe);
            } else if (args.equalsIgnoreCase(j, "addr")) {
                return new KillFilter(id, type, value, laddr, skipMe);
            } else if (args.equalsIgnoreCase(j, "laddr")) {
                return new KillFilter(id, type, addr, value, skipMe);
            } else if (args.equalsIgnoreCase(j, "skipme") && value.equalsIgnoreCase("yes")) {
                return new KillFilter(id, type, addr, laddr, true);
            } else if (args.equalsIgnoreCase(j, "skipme") && value.equalsIgnoreCase("no")) {
                return new KillFilter(id, type, addr, laddr, false);
            } else if (args.equalsIgnoreCase(j, "user") && !value.equals("default")) {
                // fanout has Redis's one user, "default", and every client is logged in as it.
                CommandReplies.errorLatin1(out, "ERR No such user '"
                        + CommandReplies.cArg(args, j + 1, Integer.MAX_VALUE) + "'");
                return null;
            } else if (args.equalsIgnoreCase(j, "user")) {
                return this;
            }
            out.error("ERR syntax error");
            return null;
        }

        private static long parseId(RespArgs args, int index) {
            try {
                return args.parseLong(index);
            } catch (NumberFormatException e) {
                return -1L;
            }
        }
    }

    private void killConnection(Connection c) {
        if (c == session.connection()) {
            session.closeAfterReply(CloseReason.KILLED); // after this reply, as Redis does
        } else {
            c.closeFromAnyThread(CloseReason.KILLED);
        }
    }

    /** One CLIENT LIST line, Redis 7.2's fields in Redis's order; fd is -1 (no fds in Java). */
    String describe(Connection c) {
        long nowNanos = System.nanoTime();
        long ageSeconds = (nowNanos - c.openedNanos()) / 1_000_000_000L;
        long idleSeconds = 0;
        ConnectionHandler h = c.handler();
        String name = "";
        int sub = 0;
        int psub = 0;
        int ssub = 0;
        String cmd = "NULL";
        int resp = 2;
        String libName = "";
        String libVer = "";
        int multi = -1;
        long multiBytes = 0;
        if (h instanceof RespSession s) {
            multi = s.queuedCommands();
            multiBytes = s.queuedBytes();
            name = s.name();
            sub = s.channelCount();
            psub = s.patternCount();
            ssub = s.shardCount();
            cmd = s.lastCommandName();
            resp = s.protocolVersion();
            libName = s.libName();
            libVer = s.libVersion();
            long last = s.lastInteractionNanos();
            idleSeconds = (nowNanos - (last == 0 ? c.openedNanos() : last)) / 1_000_000_000L;
        } else {
            sub = 1;
            resp = 0;
        }
        boolean pubsub = sub + psub + ssub > 0;
        long omem = c.pendingBytes();
        int frames = c.writeQueue().frameCount();
        return "id=" + c.id() + " addr=" + c.remoteAddress() + " laddr=" + localAddress(c) + " fd=-1 name=" + name
                + " age=" + ageSeconds + " idle=" + Math.max(0, idleSeconds) + " flags=" + flags(pubsub, multi >= 0)
                + " db=0 sub=" + sub
                + " psub=" + psub + " ssub=" + ssub + " multi=" + multi + " qbuf=0 qbuf-free=0 argv-mem=0"
                + " multi-mem=" + multiBytes
                + " rbs=0 rbp=0 obl=0 oll=" + frames + " omem=" + omem + " tot-mem=" + omem
                + " events=r" + (omem > 0 ? "w" : "") + " cmd=" + cmd + " user=default redir=-1 resp=" + resp
                + " lib-name=" + libName + " lib-ver=" + libVer + " proto=" + c.protocolName()
                + " dropped=" + c.writeQueue().droppedMessages();
    }

    /** Redis's flag letters in Redis's order: P subscribed, x inside MULTI; N for none. */
    private static String flags(boolean pubsub, boolean multi) {
        if (!pubsub && !multi) {
            return "N";
        }
        return (pubsub ? "P" : "") + (multi ? "x" : "");
    }

    private String localAddress(Connection c) {
        return c.localAddress();
    }
}
