package io.fanout.protocol.resp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import io.fanout.engine.CloseReason;

/**
 * The connection commands PING, ECHO, SELECT, AUTH, HELLO, RESET and QUIT with Redis 7's
 * replies and errors. Stateless: the state they change (protocol version, authentication,
 * name) is the {@link RespSession}'s. Each method is a {@link CommandHandler} of
 * {@link CommandTable}; all run on the session's loop thread.
 */
final class ConnectionCommands {
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] DEFAULT_USER = "default".getBytes(StandardCharsets.US_ASCII);

    private ConnectionCommands() {
    }

    /** RESP2 subscribed mode answers PING as a push-like array, as Redis does. */
    static void ping(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        if (args.count() > 2) {
            out.error("ERR wrong number of arguments for 'ping' command");
            return;
        }
        if (s.protocolVersion() == 2 && !s.canRunHere()) {
            out.arrayHeader(2).bulk("pong");
            if (args.count() == 1) {
                out.bulk(EMPTY);
            } else {
                out.bulk(args, 1);
            }
        } else if (args.count() == 1) {
            out.simple("PONG");
        } else {
            out.bulk(args, 1);
        }
    }

    static void echo(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.bulk(args, 1);
    }

    /** Closes after the reply is queued (see {@link RespSession#closeAfterReply}). */
    static void quit(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.simple("OK");
        s.closeAfterReply(CloseReason.QUIT);
    }

    static void select(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        long db;
        try {
            db = args.parseLong(1);
        } catch (NumberFormatException e) {
            out.error("ERR value is not an integer or out of range");
            return;
        }
        if (db < Integer.MIN_VALUE || db > Integer.MAX_VALUE) {
            out.error("ERR value is out of range, value must between -2147483648 and 2147483647");
        } else if (db < 0 || db > 15) {
            out.error("ERR DB index is out of range");
        } else {
            out.simple("OK"); // pub/sub ignores the database in Redis too
        }
    }

    static void auth(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        if (args.count() > 3) {
            out.error("ERR syntax error");
            return;
        }
        byte[] password = s.protocol().password;
        if (args.count() == 2 && password == null) {
            out.error("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
            return;
        }
        byte[] user = args.count() == 3 ? args.copy(1) : null;
        byte[] pass = args.copy(args.count() - 1);
        if (tryAuthenticate(s, user, pass)) {
            out.simple("OK");
        } else {
            out.error("WRONGPASS invalid username-password pair or user is disabled.");
        }
    }

    /** Redis's single "default" user: with no password configured, any password passes. */
    private static boolean tryAuthenticate(RespSession s, byte[] user, byte[] pass) {
        if (user != null && !Arrays.equals(user, DEFAULT_USER)) {
            return false;
        }
        byte[] password = s.protocol().password;
        boolean ok = password == null || MessageDigest.isEqual(pass, password);
        if (ok) {
            s.markAuthenticated();
        }
        return ok;
    }

    static void hello(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        int argc = args.count();
        int version = argc >= 2 ? helloVersion(args, out) : 0;
        if (version < 0) {
            return;
        }
        int next = argc >= 2 ? 2 : 1;
        byte[] user = null;
        byte[] pass = null;
        String newName = null;
        for (int j = next; j < argc; j++) {
            int more = argc - 1 - j;
            if (args.equalsIgnoreCase(j, "AUTH") && more >= 2) {
                user = args.copy(j + 1);
                pass = args.copy(j + 2);
                j += 2;
            } else if (args.equalsIgnoreCase(j, "SETNAME") && more >= 1) {
                newName = args.string(j + 1);
                j++;
            } else {
                CommandReplies.errorLatin1(out, "ERR Syntax error in HELLO option '"
                        + CommandReplies.cArg(args, j, Integer.MAX_VALUE) + "'");
                return;
            }
        }
        if (user != null && !tryAuthenticate(s, user, pass)) {
            out.error("WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        if (!s.isAuthenticated()) {
            out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                    + "AUTH <user> <pass> option can be used to authenticate the client and select "
                    + "the RESP protocol version at the same time");
            return;
        }
        if (newName != null && !ClientCommands.trySetName(s, newName, out)) {
            return;
        }
        if (version != 0) {
            s.switchProtocol(version);
        }
        writeHelloReply(s, out);
    }

    /** HELLO's protocol version argument: 2 or 3, or -1 after answering Redis's error. */
    private static int helloVersion(RespArgs args, RespWriter out) {
        long v;
        try {
            v = args.parseLong(1);
        } catch (NumberFormatException e) {
            out.error("ERR Protocol version is not an integer or out of range");
            return -1;
        }
        if (v < 2 || v > 3) {
            out.error("NOPROTO unsupported protocol version");
            return -1;
        }
        return (int) v;
    }

    private static void writeHelloReply(RespSession s, RespWriter out) {
        int proto = s.protocolVersion();
        out.mapHeader(7, proto)
                .bulk("server").bulk("redis")
                .bulk("version").bulk(RespProtocol.REDIS_VERSION)
                .bulk("proto").integer(proto)
                .bulk("id").integer(s.connection().id())
                .bulk("mode").bulk("standalone")
                .bulk("role").bulk("master")
                .bulk("modules").arrayHeader(0);
    }

    static void reset(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        s.resetState();
        out.simple("RESET");
    }
}
