package io.fanout.protocol.resp;

import java.nio.ByteBuffer;

import io.fanout.broker.TopicKind;
import io.fanout.engine.ClientTimeouts;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;

/**
 * One Redis-protocol client: decodes its requests, checks them with Redis 7's rules and runs
 * each through the {@link CommandHandler} its {@link CommandSpec} carries; holds the client's
 * state (protocol version, authentication, name, MULTI queue). The commands live beside it:
 * {@link PubSubCommands} (which also holds the subscriptions), {@link ConnectionCommands},
 * {@link TransactionCommands}, {@link ClientCommands}, {@link PubsubCommand},
 * {@link CommandReplies}.
 *
 * <p>Order of checks for each command, as in Redis's processCommand: QUIT first; unknown
 * command or subcommand; arity; authentication; RESP2 subscribed-mode restriction; then the
 * command — or, between MULTI and EXEC, queue it ({@link TransactionCommands}). Replies of
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
    private static final CommandSpec PUBLISH = CommandTable.lookup("publish");
    private static final CommandSpec QUIT = CommandTable.lookup("quit");

    private final RespProtocol protocol;
    private final Connection connection;
    private final RespDecoder decoder;
    private final RespArgs args = new RespArgs();
    private final PubSubCommands pubSub;
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
        this.decoder = new RespDecoder(protocol.maxMessageBytes, RespDecoder.REDIS_INLINE_MAX,
                protocol.maxRequestBytes);
        this.authenticated = protocol.password == null;
        this.decoder.setAuthenticated(authenticated);
        this.unauthenticatedSinceNanos = connection.openedNanos();
        this.pubSub = new PubSubCommands(protocol, this);
        this.clientCommands = new ClientCommands(protocol, this);
    }

    // ---- what the command classes use (loop thread) ------------------------------------

    RespProtocol protocol() {
        return protocol;
    }

    PubSubCommands pubSub() {
        return pubSub;
    }

    ClientCommands clientCommands() {
        return clientCommands;
    }

    boolean isAuthenticated() {
        return authenticated;
    }

    void markAuthenticated() {
        authenticated = true;
        decoder.setAuthenticated(true);
    }

    /** HELLO 2 or 3: later messages arrive in the new wire form. */
    void switchProtocol(int version) {
        if (version != protocolVersion) {
            protocolVersion = version;
            pubSub.resubscribeWithCurrentForm();
        }
    }

    /** RESET: the state of a new connection, logged out again if a password is set. */
    void resetState() {
        endTransaction();
        pubSub.dropAll();
        protocolVersion = 2;
        name = "";
        if (protocol.password != null) {
            authenticated = false;
            decoder.setAuthenticated(false);
            unauthenticatedSinceNanos = connection.loop().nowNanos();
        }
    }

    /** The MULTI queue, or null outside a transaction. */
    Transaction transaction() {
        return transaction;
    }

    void setTransaction(Transaction t) {
        transaction = t;
    }

    /** Redis's flagTransaction: a command was rejected while queueing. */
    void failTransaction() {
        if (transaction != null) {
            transaction.markFailed();
        }
    }

    void endTransaction() {
        if (transaction != null) {
            transaction.release();
            transaction = null;
        }
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
        return pubSub.channelCount();
    }

    int patternCount() {
        return pubSub.patternCount();
    }

    int shardCount() {
        return pubSub.shardCount();
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

    /** Queues the replies written so far as one private copy (EXEC calls it between commands). */
    void flushReply() {
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
            pubSub.publish(TopicKind.CHANNEL, args, out);
            return;
        }
        String command = args.asciiLower(0);
        if (command.equals("quit")) {
            run(QUIT);
            return;
        }
        CommandSpec spec = CommandTable.lookup(command);
        if (spec == null) {
            failTransaction();
            CommandReplies.unknownCommand(args, out);
            return;
        }
        if (spec.isContainer() && args.count() >= 2) {
            CommandSpec sub = spec.subcommand(args.asciiLower(1));
            if (sub == null) {
                failTransaction();
                CommandReplies.errorLatin1(out, "ERR unknown subcommand '" + CommandReplies.cArg(args, 1, 128)
                        + "'. Try " + spec.upperName() + " HELP.");
                return;
            }
            spec = sub;
        }
        lastCommand = spec;
        String refused = check(spec);
        if (refused != null) {
            TransactionCommands.reject(this, spec, refused, out);
        } else if (transaction != null && !TransactionCommands.runsInsideMulti(spec)) {
            TransactionCommands.queue(this, spec, args, out);
        } else {
            run(spec);
        }
    }

    /** The checks after the lookup: arity, authentication, RESP2 subscribed mode; null if none fails. */
    private String check(CommandSpec spec) {
        if (!spec.arityAccepts(args.count())) {
            return "ERR wrong number of arguments for '" + spec.fullName() + "' command";
        }
        if (!authenticated && !spec.noAuth()) {
            return "NOAUTH Authentication required.";
        }
        if (!spec.allowedWhileSubscribed() && !canRunHere()) {
            return "ERR " + String.format(SUBSCRIBED_ONLY, spec.fullName());
        }
        return null;
    }

    /** Runs a checked command (or one EXEC takes from the queue) through its handler. */
    void run(CommandSpec spec) {
        lastCommand = spec;
        spec.handler().run(this, spec, args, out);
    }

    /** RESP2 clients with subscriptions may run only the subscribe family, PING, QUIT, RESET. */
    boolean canRunHere() {
        return protocolVersion == 3 || pubSub.isEmpty();
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
        } else if (pubSub.isEmpty()
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
        pubSub.dropAll();
    }
}
