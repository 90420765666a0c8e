package io.fanout.protocol.line;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.fanout.broker.Broker;
import io.fanout.broker.Origin;
import io.fanout.broker.Subscription;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;
import io.fanout.engine.ClientTimeouts;
import io.fanout.engine.CloseReason;
import io.fanout.engine.Connection;
import io.fanout.engine.ConnectionHandler;
import io.fanout.engine.Protocol;

/**
 * The lesson's protocol: every line a client sends goes to every line client (the sender
 * too) as the same bytes plus {@code \n}. Line clients are subscribers of one broker channel
 * ({@code --line-channel}), so Redis-protocol clients can join the same conversation.
 *
 * <p>With a password configured, the first line must be {@code AUTH <password>}; the
 * client is answered {@code OK} and joins, or gets {@code ERR} and is closed. Until then
 * a line may be at most {@link #preAuthMaxLineBytes} long (an unauthenticated client cannot
 * make the server hold a megabyte), and after --auth-timeout the client is closed.
 */
public final class LineProtocol implements Protocol {
    private static final byte[] MAX_CLIENTS = "ERR max clients reached\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_OK = "OK\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_REQUIRED =
            "ERR authentication required: send AUTH <password> first\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_WRONG =
            "ERR invalid password\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH_TIMEOUT =
            "ERR authentication timeout\n".getBytes(StandardCharsets.US_ASCII);
    /** The first line before AUTH: "AUTH " + the password and room to spare, at least 1 KiB. */
    private static final int PRE_AUTH_MIN_LINE = 1024;

    private final Broker broker;
    private final LineWireForm form;
    private final TopicName channel;
    private final int maxLineBytes;
    private final byte[] tooLong;
    private final byte[] password;
    private final int preAuthMaxLineBytes;
    private final byte[] preAuthTooLong;
    private final ClientTimeouts timeouts;

    /**
     * @param password required first line {@code AUTH <password>}, or null for none
     */
    public LineProtocol(Broker broker, LineWireForm form, String channel, int maxLineBytes, String password) {
        this(broker, form, channel, maxLineBytes, password, ClientTimeouts.NONE);
    }

    /** @param timeouts --auth-timeout applies before AUTH; line clients are subscribers, never idle-cut */
    public LineProtocol(Broker broker, LineWireForm form, String channel, int maxLineBytes, String password,
                        ClientTimeouts timeouts) {
        this.timeouts = timeouts;
        this.broker = broker;
        this.form = form;
        this.channel = TopicName.of(channel);
        this.maxLineBytes = maxLineBytes;
        this.tooLong = ("ERR line too long (max " + maxLineBytes + " bytes)\n").getBytes(StandardCharsets.US_ASCII);
        this.password = password == null ? null : password.getBytes(StandardCharsets.UTF_8);
        this.preAuthMaxLineBytes = this.password == null ? maxLineBytes
                : Math.min(maxLineBytes, Math.max(PRE_AUTH_MIN_LINE, this.password.length + 64));
        this.preAuthTooLong = ("ERR line too long before AUTH (max " + preAuthMaxLineBytes + " bytes)\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The longest line accepted before AUTH succeeds. */
    public int preAuthMaxLineBytes() {
        return preAuthMaxLineBytes;
    }

    @Override
    public String name() {
        return "line";
    }

    @Override
    public byte[] maxClientsReply() {
        return MAX_CLIENTS;
    }

    @Override
    public ConnectionHandler open(Connection connection) {
        LineSession s = new LineSession(connection, new LineDecoder(password == null ? maxLineBytes : preAuthMaxLineBytes));
        if (password == null) {
            s.join(connection);
        }
        return s;
    }

    /** One line client. Loop thread only. */
    private final class LineSession implements ConnectionHandler {
        private final Connection connection;
        private final LineDecoder decoder;
        private Subscription subscription;

        LineSession(Connection connection, LineDecoder decoder) {
            this.connection = connection;
            this.decoder = decoder;
        }

        void join(Connection c) {
            subscription = broker.subscribe(c, form, TopicKind.CHANNEL, channel);
        }

        @Override
        public void onBytes(Connection c, ByteBuffer in) {
            while (c.isOpen()) {
                int start = in.position();
                int length = decoder.next(in);
                if (length == LineDecoder.INCOMPLETE) {
                    return;
                }
                if (length == LineDecoder.TOO_LONG) {
                    in.position(in.limit());
                    boolean authed = subscription != null;
                    c.sendCopy(authed ? tooLong : preAuthTooLong);
                    c.closeAfterFlush(authed ? CloseReason.MESSAGE_TOO_LONG : CloseReason.AUTH_FAILED);
                    return;
                }
                int next = start + decoder.consumedBytes();
                if (subscription == null) {
                    authenticate(c, in, start, length);
                } else {
                    publishLine(c, in, start, length);
                }
                in.position(next);
            }
        }

        /** Publishes [start, start+length) of in without copying it first. */
        private void publishLine(Connection c, ByteBuffer in, int start, int length) {
            int savedLimit = in.limit();
            in.limit(start + length);
            try {
                broker.publish(c.loop(), TopicKind.CHANNEL, channel.bytes(), in, Origin.LOCAL);
            } finally {
                in.limit(savedLimit);
            }
        }

        private void authenticate(Connection c, ByteBuffer in, int start, int length) {
            byte[] line = new byte[length];
            in.get(start, line);
            byte[] prefix = "AUTH ".getBytes(StandardCharsets.US_ASCII);
            boolean isAuth = length >= prefix.length
                    && new String(line, 0, prefix.length, StandardCharsets.US_ASCII).equalsIgnoreCase("AUTH ");
            if (!isAuth) {
                c.sendCopy(AUTH_REQUIRED);
                c.closeAfterFlush(CloseReason.AUTH_FAILED);
                return;
            }
            byte[] given = java.util.Arrays.copyOfRange(line, prefix.length, length);
            if (!MessageDigest.isEqual(given, password)) {
                c.sendCopy(AUTH_WRONG);
                c.closeAfterFlush(CloseReason.AUTH_FAILED);
                return;
            }
            c.sendCopy(AUTH_OK);
            decoder.setMaxLineBytes(maxLineBytes);
            join(c);
        }

        /** --auth-timeout before AUTH; after it a line client is a subscriber, never idle-cut. */
        @Override
        public void onHousekeeping(Connection c, long nowNanos) {
            if (subscription != null) {
                return;
            }
            if (timeouts.authExpired(c.openedNanos(), nowNanos)) {
                c.sendCopy(AUTH_TIMEOUT);
                c.closeAfterFlush(CloseReason.AUTH_TIMEOUT);
            } else if (timeouts.idleExpired(c.openedNanos(), nowNanos)) {
                c.closeAfterFlush(CloseReason.IDLE_TIMEOUT);
            }
        }

        /** Where the messages were dropped, a line says how many (drop-oldest policy). */
        @Override
        public void onMessagesDropped(Connection c, long missed) {
            c.writeQueue().insertGapNotice(("ERR dropped " + missed + " messages (slow consumer)\n")
                    .getBytes(StandardCharsets.US_ASCII), missed, c.loop().nowNanos());
        }

        /**
         * Best effort (see docs/PROTOCOL.md): a client that stopped reading has a full kernel
         * buffer, so the socket is first given room for the notice; a client that never reads
         * again never sees it.
         */
        @Override
        public byte[] slowConsumerNotice(CloseReason reason) {
            byte[] notice = ("ERR slow consumer disconnected (" + reason.label() + ")\n")
                    .getBytes(StandardCharsets.US_ASCII);
            connection.prepareFinalWrite(notice.length);
            return notice;
        }

        @Override
        public void onClose(Connection c, CloseReason reason) {
            if (subscription != null) {
                broker.unsubscribe(subscription);
                subscription = null;
            }
        }
    }
}
