package io.fanout.protocol.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import io.fanout.broker.Origin;
import io.fanout.broker.Subscription;
import io.fanout.broker.SubscriptionLimit;
import io.fanout.broker.SubscriptionLimitException;
import io.fanout.broker.SubscriptionSet;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * One Redis-protocol client: decodes its requests, runs them with Redis 7's rules and
 * replies, and holds its subscriptions.
 *
 * <p>Order of checks for each command, as in Redis's processCommand: QUIT first; unknown
 * command or subcommand; arity; authentication; RESP2 subscribed-mode restriction; then the
 * command. Replies of one command are written to the loop's {@link RespWriter} and queued
 * as one private copy before the next command runs, so a message published by a later
 * command can never overtake an earlier reply.
 *
 * <p>Threads: the connection's loop thread only. Admin views (CLIENT LIST on any loop) read
 * the getters racily.
 */
final class RespSession implements ConnectionHandler {
    private static final String SUBSCRIBED_ONLY = "Can't execute '%s': only (P|S)SUBSCRIBE / "
            + "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    private static final byte[] EMPTY = new byte[0];

    private final RespProtocol protocol;
    private final Connection connection;
    private final RespDecoder decoder;
    private final RespArgs args = new RespArgs();
    private final SubscriptionSet channels = new SubscriptionSet();
    private final SubscriptionSet patterns = new SubscriptionSet();
    private final SubscriptionSet shardChannels = new SubscriptionSet();
    private final ClientCommands clientCommands;
    private RespWriter out;
    private int protocolVersion = 2;
    private boolean authenticated;
    private String name = "";
    private String libName = "";
    private String libVersion = "";
    private volatile CommandSpec lastCommand;
    private long commandsProcessed;
    private long lastInteractionNanos;
    private CloseReason closeAfterReply;

    RespSession(RespProtocol protocol, Connection connection) {
        this.protocol = protocol;
        this.connection = connection;
        this.decoder = new RespDecoder(protocol.maxMessageBytes, RespDecoder.REDIS_INLINE_MAX);
        this.authenticated = protocol.password == null;
        this.decoder.setAuthenticated(authenticated);
        this.clientCommands = new ClientCommands(protocol, this);
    }

    // ---- views for CLIENT LIST / INFO (racy reads from other threads are acceptable) ----

    Connection connection() {
        return connection;
    }

    String name() {
        return name;
    }

    void setName(String n) {
        name = n;
    }

    void setLibName(String s) {
        libName = s;
    }

    void setLibVersion(String s) {
        libVersion = s;
    }

    String libName() {
        return libName;
    }

    String libVersion() {
        return libVersion;
    }

    int channelCount() {
        return channels.size();
    }

    int patternCount() {
        return patterns.size();
    }

    int shardCount() {
        return shardChannels.size();
    }

    int protocolVersion() {
        return protocolVersion;
    }

    String lastCommandName() {
        CommandSpec c = lastCommand;
        return c == null ? "NULL" : c.fullName();
    }

    long commandsProcessed() {
        return commandsProcessed;
    }

    /** Loop time of the last command, or 0 before the first (CLIENT LIST idle=). */
    long lastInteractionNanos() {
        return lastInteractionNanos;
    }

    // ---- input ----------------------------------------------------------------------

    @Override
    public void onBytes(Connection c, ByteBuffer in) {
        out = protocol.writer(c);
        while (c.isOpen()) {
            boolean complete;
            try {
                complete = decoder.tryDecode(in, args);
            } catch (RespProtocolException e) {
                in.position(in.limit());
                if (e.replyBeforeClose()) {
                    out.reset();
                    out.error(protocolErrorText(e));
                    flushReply();
                    c.closeAfterFlush(CloseReason.PROTOCOL_ERROR);
                } else {
                    c.close(CloseReason.PROTOCOL_ERROR);
                }
                return;
            }
            if (!complete) {
                return;
            }
            out.reset();
            execute();
            flushReply();
            releaseArgs();
            if (closeAfterReply != null) {
                // QUIT, or CLIENT KILL of this very client: the reply is queued, then we go.
                c.closeAfterFlush(closeAfterReply);
                return;
            }
        }
    }

    /**
     * Lets go of the finished command: its arguments point into the input buffer, which may
     * be a connection's 2 MiB carry buffer that would otherwise stay reachable until the next
     * command (an idle client after one large PUBLISH or SUBSCRIBE); and a rare huge command
     * (SUBSCRIBE with 80,000 channels) leaves argument arrays that are given back too.
     */
    private void releaseArgs() {
        if (args.count() > 1024) {
            args.trim();
            decoder.trimScratch();
        }
        args.clear();
    }

    /** Redis sends "-ERR Protocol error: ..." (the decoder's text after "ERR "). */
    private static byte[] protocolErrorText(RespProtocolException e) {
        byte[] text = e.messageBytes();
        byte[] full = new byte[4 + text.length];
        full[0] = 'E';
        full[1] = 'R';
        full[2] = 'R';
        full[3] = ' ';
        System.arraycopy(text, 0, full, 4, text.length);
        return full;
    }

    /**
     * Closes this connection once the current command's reply is queued: closing first would
     * drop the reply, because a closing connection queues nothing more.
     */
    void closeAfterReply(CloseReason reason) {
        closeAfterReply = reason;
    }

    private void flushReply() {
        if (out.size() > 0) {
            connection.sendCopy(out.array(), 0, out.size());
            out.reset();
        }
    }

    private void execute() {
        commandsProcessed++;
        lastInteractionNanos = connection.loop().nowNanos();
        // The hot path first: PUBLISH without a String for the command name.
        if (args.equalsIgnoreCase(0, "publish") && args.count() == 3 && authenticated && canRunHere()) {
            lastCommand = PUBLISH;
            publish(TopicKind.CHANNEL);
            return;
        }
        String command = args.asciiLower(0);
        if (command.equals("quit")) {
            lastCommand = CommandTable.lookup("quit");
            out.simple("OK");
            closeAfterReply(CloseReason.QUIT);
            return;
        }
        CommandSpec spec = CommandTable.lookup(command);
        if (spec == null) {
            unknownCommand();
            return;
        }
        if (spec.isContainer() && args.count() >= 2) {
            CommandSpec sub = spec.subcommand(args.asciiLower(1));
            if (sub == null) {
                errorLatin1(out, "ERR unknown subcommand '" + cArg(args, 1, 128) + "'. Try " + spec.upperName()
                        + " HELP.");
                return;
            }
            spec = sub;
        }
        lastCommand = spec;
        if (!spec.arityAccepts(args.count())) {
            out.error("ERR wrong number of arguments for '" + spec.fullName() + "' command");
            return;
        }
        if (!authenticated && !spec.noAuth()) {
            out.error("NOAUTH Authentication required.");
            return;
        }
        if (!spec.allowedWhileSubscribed() && !canRunHere()) {
            out.error("ERR " + String.format(SUBSCRIBED_ONLY, spec.fullName()));
            return;
        }
        dispatch(spec);
    }

    private static final CommandSpec PUBLISH = CommandTable.lookup("publish");

    /** RESP2 clients with subscriptions may run only the subscribe family, PING, QUIT, RESET. */
    private boolean canRunHere() {
        return protocolVersion == 3 || (channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty());
    }

    private void dispatch(CommandSpec spec) {
        String parent = spec.parent();
        if (parent != null) {
            switch (parent) {
                case "pubsub" -> pubsub(spec.name());
                case "client" -> clientCommands.run(spec.name(), args, out, protocolVersion);
                case "command" -> CommandReplies.command(spec.name(), args, out, protocolVersion);
                default -> unknownCommand();
            }
            return;
        }
        switch (spec.name()) {
            case "subscribe" -> subscribe(TopicKind.CHANNEL);
            case "psubscribe" -> subscribe(TopicKind.PATTERN);
            case "ssubscribe" -> subscribe(TopicKind.SHARD);
            case "unsubscribe" -> unsubscribe(TopicKind.CHANNEL);
            case "punsubscribe" -> unsubscribe(TopicKind.PATTERN);
            case "sunsubscribe" -> unsubscribe(TopicKind.SHARD);
            case "publish" -> publish(TopicKind.CHANNEL);
            case "spublish" -> publish(TopicKind.SHARD);
            case "ping" -> ping();
            case "echo" -> out.bulk(args, 1);
            case "select" -> select();
            case "auth" -> auth();
            case "hello" -> hello();
            case "reset" -> reset();
            case "info" -> out.verbatim("txt", InfoReport.render(protocol, args), protocolVersion);
            case "command" -> CommandReplies.command(null, args, out, protocolVersion);
            case "client", "pubsub" -> out.error("ERR wrong number of arguments for '" + spec.name() + "' command");
            default -> unknownCommand();
        }
    }

    /**
     * Redis's text, built as Redis builds it: the name and each argument printed with C's
     * {@code %.*s} (so a NUL byte ends it), the argument list capped near 128 bytes.
     */
    private void unknownCommand() {
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

    // ---- pub/sub --------------------------------------------------------------------

    private void publish(TopicKind kind) {
        byte[] channel = args.copy(1);
        ByteBuffer payload = args.openWindow(2);
        int receivers;
        try {
            receivers = protocol.broker.publish(connection.loop(), kind, channel, payload, Origin.LOCAL);
        } finally {
            args.closeWindow();
        }
        out.integer(receivers);
    }

    private SubscriptionSet setFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case PATTERN -> patterns;
            case SHARD -> shardChannels;
        };
    }

    private RespWireForm form() {
        return protocolVersion == 3 ? protocol.resp3 : protocol.resp2;
    }

    /** Redis counts channels and patterns together; shard channels on their own. */
    private int subscriptionCount(TopicKind kind) {
        return kind == TopicKind.SHARD ? shardChannels.size() : channels.size() + patterns.size();
    }

    private static String verb(TopicKind kind, boolean subscribe) {
        String base = subscribe ? "subscribe" : "unsubscribe";
        return switch (kind) {
            case CHANNEL -> base;
            case PATTERN -> "p" + base;
            case SHARD -> "s" + base;
        };
    }

    /**
     * One reply per channel, as Redis. The limits are checked per channel: a SUBSCRIBE that
     * would pass --max-subscriptions-per-client (or the server's --max-topics /
     * --max-subscriptions) subscribes the channels that fit and answers an error in place of
     * each subscribe reply that did not, so a client that counts replies stays in step.
     */
    private void subscribe(TopicKind kind) {
        SubscriptionSet set = setFor(kind);
        String verb = verb(kind, true);
        for (int i = 1; i < args.count(); i++) {
            TopicName topic = new TopicName(args.copy(i));
            if (set.get(topic) == null) {
                if (totalSubscriptions() >= protocol.maxSubscriptionsPerClient) {
                    protocol.broker.countRefused(SubscriptionLimit.CLIENT);
                    out.error(protocol.maxSubscriptionsPerClientError);
                    continue;
                }
                try {
                    set.add(protocol.broker.trySubscribe(connection, form(), kind, topic));
                } catch (SubscriptionLimitException e) {
                    out.error(e.getMessage());
                    continue;
                }
            }
            out.pushHeader(3, protocolVersion).bulk(verb).bulk(topic.bytes()).integer(subscriptionCount(kind));
        }
    }

    private int totalSubscriptions() {
        return channels.size() + patterns.size() + shardChannels.size();
    }

    private void unsubscribe(TopicKind kind) {
        SubscriptionSet set = setFor(kind);
        String verb = verb(kind, false);
        if (args.count() == 1) {
            if (set.isEmpty()) {
                out.pushHeader(3, protocolVersion).bulk(verb).nullBulk(protocolVersion)
                        .integer(subscriptionCount(kind));
                return;
            }
            for (Subscription s : set.toArray()) {
                set.remove(s.topic());
                protocol.broker.unsubscribe(s);
                out.pushHeader(3, protocolVersion).bulk(verb).bulk(s.topic().bytes()).integer(subscriptionCount(kind));
            }
            return;
        }
        for (int i = 1; i < args.count(); i++) {
            TopicName topic = new TopicName(args.copy(i));
            Subscription s = set.remove(topic);
            if (s != null) {
                protocol.broker.unsubscribe(s);
            }
            out.pushHeader(3, protocolVersion).bulk(verb).bulk(topic.bytes()).integer(subscriptionCount(kind));
        }
    }

    private void dropAllSubscriptions() {
        for (SubscriptionSet set : List.of(channels, patterns, shardChannels)) {
            for (Subscription s : set.toArray()) {
                set.remove(s.topic());
                protocol.broker.unsubscribe(s);
            }
        }
    }

    /**
     * HELLO changed the protocol: messages must now arrive in the other wire form. The new
     * subscription is made before the old one goes, so the topic never looks unsubscribed.
     */
    private void resubscribeWithCurrentForm() {
        for (SubscriptionSet set : List.of(channels, patterns, shardChannels)) {
            for (Subscription old : set.toArray()) {
                Subscription next = protocol.broker.subscribe(connection, form(), old.kind(), old.topic());
                set.replace(old, next);
                protocol.broker.unsubscribe(old);
            }
        }
    }

    private void pubsub(String sub) {
        int argc = args.count();
        switch (sub) {
            case "channels", "shardchannels" -> {
                if (argc > 3) {
                    subcommandSyntaxError("PUBSUB");
                    return;
                }
                TopicKind kind = sub.equals("channels") ? TopicKind.CHANNEL : TopicKind.SHARD;
                List<TopicName> topics = protocol.broker.topics(kind, argc == 3 ? args.copy(2) : null);
                out.arrayHeader(topics.size());
                for (TopicName t : topics) {
                    out.bulk(t.bytes());
                }
            }
            case "numsub", "shardnumsub" -> {
                TopicKind kind = sub.equals("numsub") ? TopicKind.CHANNEL : TopicKind.SHARD;
                out.arrayHeader((argc - 2) * 2);
                for (int i = 2; i < argc; i++) {
                    byte[] ch = args.copy(i);
                    out.bulk(ch).integer(protocol.broker.subscriberCount(kind, new TopicName(ch)));
                }
            }
            case "numpat" -> out.integer(protocol.broker.patternCount());
            case "help" -> CommandReplies.help(out, "PUBSUB", new String[] {
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)"});
            default -> subcommandSyntaxError("PUBSUB");
        }
    }

    /** Redis quotes the subcommand as the client typed it (argv[1]), clipped to 128 bytes. */
    private void subcommandSyntaxError(String command) {
        errorLatin1(out, "ERR unknown subcommand or wrong number of arguments for '" + cArg(args, 1, 128)
                + "'. Try " + command + " HELP.");
    }

    // ---- connection commands ---------------------------------------------------------

    private void ping() {
        if (args.count() > 2) {
            out.error("ERR wrong number of arguments for 'ping' command");
            return;
        }
        if (protocolVersion == 2 && !canRunHere()) {
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

    private void select() {
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

    private void auth() {
        if (args.count() > 3) {
            out.error("ERR syntax error");
            return;
        }
        if (args.count() == 2 && protocol.password == null) {
            out.error("ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?");
            return;
        }
        byte[] user = args.count() == 3 ? args.copy(1) : null;
        byte[] pass = args.copy(args.count() - 1);
        if (checkCredentials(user, pass)) {
            out.simple("OK");
        } else {
            out.error("WRONGPASS invalid username-password pair or user is disabled.");
        }
    }

    /** Redis's single "default" user: with no password configured, any password passes. */
    private boolean checkCredentials(byte[] user, byte[] pass) {
        if (user != null && !java.util.Arrays.equals(user, "default".getBytes())) {
            return false;
        }
        boolean ok = protocol.password == null || MessageDigest.isEqual(pass, protocol.password);
        if (ok) {
            authenticated = true;
            decoder.setAuthenticated(true);
        }
        return ok;
    }

    private void hello() {
        int argc = args.count();
        int version = 0;
        int next = 1;
        if (argc >= 2) {
            long v;
            try {
                v = args.parseLong(1);
            } catch (NumberFormatException e) {
                out.error("ERR Protocol version is not an integer or out of range");
                return;
            }
            next = 2;
            if (v < 2 || v > 3) {
                out.error("NOPROTO unsupported protocol version");
                return;
            }
            version = (int) v;
        }
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
                errorLatin1(out, "ERR Syntax error in HELLO option '" + cArg(args, j, Integer.MAX_VALUE) + "'");
                return;
            }
        }
        if (user != null && !checkCredentials(user, pass)) {
            out.error("WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        if (!authenticated) {
            out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
                    + "AUTH <user> <pass> option can be used to authenticate the client and select "
                    + "the RESP protocol version at the same time");
            return;
        }
        if (newName != null && !ClientCommands.trySetName(this, newName, out)) {
            return;
        }
        if (version != 0 && version != protocolVersion) {
            protocolVersion = version;
            resubscribeWithCurrentForm();
        }
        out.mapHeader(7, protocolVersion)
                .bulk("server").bulk("redis")
                .bulk("version").bulk(RespProtocol.REDIS_VERSION)
                .bulk("proto").integer(protocolVersion)
                .bulk("id").integer(connection.id())
                .bulk("mode").bulk("standalone")
                .bulk("role").bulk("master")
                .bulk("modules").arrayHeader(0);
    }

    private void reset() {
        dropAllSubscriptions();
        protocolVersion = 2;
        name = "";
        if (protocol.password != null) {
            authenticated = false;
            decoder.setAuthenticated(false);
        }
        out.simple("RESET");
    }

    @Override
    public void onMessagesDropped(Connection c, long missed) {
        // RESP has no out-of-band channel a RESP2 subscriber would accept mid-stream; the count
        // is visible in CLIENT LIST (dropped=) and metrics instead. See docs/PROTOCOL.md.
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        dropAllSubscriptions();
    }
}
