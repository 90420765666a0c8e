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
import io.fanout.engine.ClientTimeouts;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * One Redis-protocol client: decodes its requests, runs them with Redis 7's rules and
 * replies, and holds its subscriptions.
 *
 * <p>Order of checks for each command, as in Redis's processCommand: QUIT first; unknown
 * command or subcommand; arity; authentication; RESP2 subscribed-mode restriction; then the
 * command — or, between MULTI and EXEC, queue it (see the transactions section). Replies of
 * one command are written to the loop's {@link RespWriter} and queued as one private copy
 * before the next command runs, so a message published by a later command can never
 * overtake an earlier reply.
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
    /** Loop time since which this client has been unauthenticated (connect or RESET). */
    private long unauthenticatedSinceNanos;
    private CloseReason closeAfterReply;
    /** Non-null between MULTI and EXEC / DISCARD / RESET (Redis's CLIENT_MULTI). */
    private Transaction transaction;

    RespSession(RespProtocol protocol, Connection connection) {
        this.protocol = protocol;
        this.connection = connection;
        this.decoder = new RespDecoder(protocol.maxMessageBytes, RespDecoder.REDIS_INLINE_MAX);
        this.authenticated = protocol.password == null;
        this.decoder.setAuthenticated(authenticated);
        this.unauthenticatedSinceNanos = connection.openedNanos();
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
        connection.setClientName(n.isEmpty() ? null : n); // for the [SLOW] and [CLOSE] log lines
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

    /** Commands queued by MULTI, or -1 outside a transaction (CLIENT LIST multi=). */
    int queuedCommands() {
        Transaction t = transaction;
        return t == null ? -1 : t.size();
    }

    /** Bytes the queued commands hold (CLIENT LIST multi-mem=). */
    long queuedBytes() {
        Transaction t = transaction;
        return t == null ? 0 : t.bytes();
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
                decoder.trimScratch(); // a long inline command's memory is not kept while idle
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
        if (args.equalsIgnoreCase(0, "publish") && args.count() == 3 && authenticated && transaction == null
                && canRunHere()) {
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
            failTransaction();
            unknownCommand();
            return;
        }
        if (spec.isContainer() && args.count() >= 2) {
            CommandSpec sub = spec.subcommand(args.asciiLower(1));
            if (sub == null) {
                failTransaction();
                errorLatin1(out, "ERR unknown subcommand '" + cArg(args, 1, 128) + "'. Try " + spec.upperName()
                        + " HELP.");
                return;
            }
            spec = sub;
        }
        lastCommand = spec;
        if (!spec.arityAccepts(args.count())) {
            reject(spec, "ERR wrong number of arguments for '" + spec.fullName() + "' command");
            return;
        }
        if (!authenticated && !spec.noAuth()) {
            reject(spec, "NOAUTH Authentication required.");
            return;
        }
        if (!spec.allowedWhileSubscribed() && !canRunHere()) {
            reject(spec, "ERR " + String.format(SUBSCRIBED_ONLY, spec.fullName()));
            return;
        }
        if (transaction != null && !runsInsideMulti(spec)) {
            queue(spec);
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
                case "pubsub" -> PubsubCommand.run(protocol.broker, spec.name(), args, out);
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
            case "multi" -> multi();
            case "exec" -> exec();
            case "discard" -> discard();
            case "watch" -> watch();
            case "unwatch" -> out.simple("OK"); // nothing is watched: fanout has no keys
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

    // ---- transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH --------------------------
    //
    // Redis 7.0's rules (multi.c and processCommand): between MULTI and EXEC every command
    // that passes the checks of execute() is queued and answered +QUEUED, except MULTI, EXEC,
    // DISCARD, WATCH, QUIT and RESET, which run at once. A command rejected by those checks
    // (unknown, wrong arity, NOAUTH, RESP2 subscribed mode) fails the transaction: EXEC then
    // answers EXECABORT and runs nothing. EXEC runs the queue without those checks again, as
    // Redis's call() does, and answers an array of the commands' replies. fanout has no keys,
    // so WATCH has nothing to watch and EXEC never answers the null array of a touched key.
    //
    //   no transaction --MULTI--> queueing --EXEC | DISCARD | RESET | close--> no transaction
    //                              |  a rejected command: failed (EXEC answers EXECABORT)

    private static final CommandSpec EXEC = CommandTable.lookup("exec");

    private static boolean runsInsideMulti(CommandSpec spec) {
        if (spec.parent() != null) {
            return false;
        }
        return switch (spec.name()) {
            case "multi", "exec", "discard", "watch", "reset", "quit" -> true;
            default -> false;
        };
    }

    /** Redis's flagTransaction: a command was rejected while queueing. */
    private void failTransaction() {
        if (transaction != null) {
            transaction.markFailed();
        }
    }

    /**
     * Redis's rejectCommand: fails a transaction in progress; an EXEC that is itself rejected
     * discards the transaction and says why in an EXECABORT error (Redis drops "ERR ").
     */
    private void reject(CommandSpec spec, String error) {
        failTransaction();
        if (spec == EXEC) {
            endTransaction();
            out.error("EXECABORT Transaction discarded because of: " + (error.startsWith("ERR ")
                    ? error.substring(4) : error));
        } else {
            out.error(error);
        }
    }

    private void queue(CommandSpec spec) {
        String refused = transaction.tryQueue(spec, args);
        if (refused != null) {
            transaction.markFailed();
            out.error(refused);
            return;
        }
        out.simple("QUEUED");
    }

    private void endTransaction() {
        if (transaction != null) {
            transaction.release();
            transaction = null;
        }
    }

    private void multi() {
        if (transaction != null) {
            out.error("ERR MULTI calls can not be nested");
            return;
        }
        transaction = new Transaction(protocol.maxTransactionBytes, protocol.maxAllTransactionsBytes,
                protocol.transactionBytes);
        out.simple("OK");
    }

    private void discard() {
        if (transaction == null) {
            out.error("ERR DISCARD without MULTI");
            return;
        }
        endTransaction();
        out.simple("OK");
    }

    private void watch() {
        if (transaction != null) {
            out.error("ERR WATCH inside MULTI is not allowed"); // does not fail the transaction
            return;
        }
        out.simple("OK"); // fanout has no keys: nothing can change, EXEC always runs
    }

    /**
     * Runs the queue in order. A message this client publishes to a channel it is subscribed
     * to is queued between the replies, where Redis puts it too (Redis writes each reply as the
     * command runs): the replies so far are sent before each such command.
     */
    private void exec() {
        Transaction t = transaction;
        if (t == null) {
            out.error("ERR EXEC without MULTI");
            return;
        }
        transaction = null;
        if (t.failed()) {
            t.release();
            out.error("EXECABORT Transaction discarded because of previous errors.");
            return;
        }
        try {
            out.arrayHeader(t.commands().size());
            for (Transaction.Queued q : t.commands()) {
                if (hasSubscriptions()) {
                    flushReply();
                }
                q.loadInto(args);
                lastCommand = q.spec();
                dispatch(q.spec());
            }
        } finally {
            t.release();
        }
    }

    private boolean hasSubscriptions() {
        return !(channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty());
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
        if (user != null && !java.util.Arrays.equals(user, "default".getBytes(StandardCharsets.US_ASCII))) {
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
        int version = argc >= 2 ? helloVersion() : 0;
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
        writeHelloReply();
    }

    /** HELLO's protocol version argument: 2 or 3, or -1 after answering Redis's error. */
    private int helloVersion() {
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

    private void writeHelloReply() {
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
        endTransaction();
        dropAllSubscriptions();
        protocolVersion = 2;
        name = "";
        if (protocol.password != null) {
            authenticated = false;
            decoder.setAuthenticated(false);
            unauthenticatedSinceNanos = connection.loop().nowNanos();
        }
        out.simple("RESET");
    }

    /**
     * --auth-timeout: a client that has not authenticated in time is closed (it holds a slot
     * of --max-clients and may be a scan). --timeout: Redis's idle rule, measured from the
     * last command, never for a client with subscriptions. Redis closes both silently.
     */
    @Override
    public void onHousekeeping(Connection c, long nowNanos) {
        ClientTimeouts t = protocol.timeouts;
        if (!authenticated && t.authExpired(unauthenticatedSinceNanos, nowNanos)) {
            c.close(CloseReason.AUTH_TIMEOUT);
        } else if (channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty()
                && t.idleExpired(lastInteractionNanos == 0 ? c.openedNanos() : lastInteractionNanos, nowNanos)) {
            c.close(CloseReason.IDLE_TIMEOUT);
        }
    }

    @Override
    public void onMessagesDropped(Connection c, long missed) {
        // RESP has no out-of-band channel a RESP2 subscriber would accept mid-stream; the count
        // is visible in CLIENT LIST (dropped=) and metrics instead. See docs/PROTOCOL.md.
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        endTransaction();
        dropAllSubscriptions();
    }
}
