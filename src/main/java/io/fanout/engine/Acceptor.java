package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections for the listening sockets registered on its loop (loop 0) and hands
 * each to a loop round-robin, or refuses it with the protocol's error when --max-clients
 * connections are open. Runs on its loop's thread only; a bounded number of accepts per
 * turn keeps a connection storm from starving the loop's other work. Out of file descriptors,
 * it backs off and refuses waiting clients through {@link AcceptBackoff}.
 */
final class Acceptor {
    private static final Logger LOG = LoggerFactory.getLogger("fanout.engine");
    private static final int MAX_ACCEPTS_PER_TURN = 256;

    /** A listening socket and the protocol it speaks; attached to its selection key. */
    record Listener(ServerSocketChannel server, Protocol protocol) {
    }

    private final EventLoop home;
    private final Engine engine;
    private final LoopStats stats;
    private final List<SelectionKey> listenerKeys = new ArrayList<>();
    private final AcceptBackoff backoff = new AcceptBackoff();

    Acceptor(EventLoop home, Engine engine, LoopStats stats) {
        this.home = home;
        this.engine = engine;
        this.stats = stats;
    }

    void addListenerKey(SelectionKey key) {
        listenerKeys.add(key);
    }

    /** When the loop must wake up to resume accepting; Long.MAX_VALUE when not paused. */
    long resumeAtNanos() {
        return backoff.resumeAtNanos();
    }

    /** Gives the listeners OP_ACCEPT back once a pause for want of descriptors is over. */
    void maybeResume(long nowNanos) {
        if (backoff.tryResume(nowNanos)) {
            // A free descriptor goes to the spare before it goes to a client: the spare can be
            // lost to a race (another thread of the JVM opens a file for a moment right after
            // a refusal closed one), and without it the clients left waiting are never told.
            backoff.restoreSpare();
            setAccepting(true);
        }
    }

    void acceptAll(Listener l) {
        for (int i = 0; i < MAX_ACCEPTS_PER_TURN; i++) {
            SocketChannel ch;
            try {
                ch = l.server().accept();
            } catch (IOException e) {
                if (AcceptBackoff.isOutOfDescriptors(e)) {
                    onOutOfDescriptors(l, e);
                } else {
                    LOG.warn("[ACCEPT]    proto={} failed: {}", l.protocol().name(), e.toString());
                }
                return;
            }
            if (ch == null) {
                return;
            }
            backoff.onAccepted(home.nowNanos());
            if (!engine.tryReserveClient()) {
                refuse(ch, l.protocol());
                continue;
            }
            EventLoop target = engine.nextLoop();
            long id = engine.nextConnectionId();
            if (target == home) {
                home.register(ch, l.protocol(), id);
            } else {
                target.execute(() -> target.register(ch, l.protocol(), id));
            }
        }
    }

    /** Best effort: one non-blocking write of the protocol's error, then close. */
    private void refuse(SocketChannel ch, Protocol protocol) {
        stats.rejected++;
        stats.closedByReason[CloseReason.MAX_CLIENTS.ordinal()]++;
        try {
            LOG.warn("[REJECT]    proto={} remote={} reason=max-clients", protocol.name(),
                    Addresses.format(ch.getRemoteAddress()));
        } catch (IOException ignored) {
            // No address to log: refused all the same.
        }
        writeErrorAndClose(ch, protocol);
    }

    private static void writeErrorAndClose(SocketChannel ch, Protocol protocol) {
        try {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(protocol.maxClientsReply()));
        } catch (IOException ignored) {
            // The client learns from the closed socket.
        } finally {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Nothing more to do.
            }
        }
    }

    /** Pause accepting, and tell the clients waiting on {@code l} with the spare descriptor. */
    private void onOutOfDescriptors(Listener l, IOException e) {
        backoff.onOutOfDescriptors(e, home.nowNanos());
        setAccepting(false);
        for (int i = 0; i < MAX_ACCEPTS_PER_TURN && backoff.releaseSpare(); i++) {
            SocketChannel ch;
            try {
                ch = l.server().accept();
            } catch (IOException again) {
                ch = null; // someone else took the freed descriptor
            }
            if (ch == null) {
                backoff.restoreSpare();
                return;
            }
            stats.rejected++;
            stats.closedByReason[CloseReason.NO_FDS.ordinal()]++;
            backoff.countRefused();
            writeErrorAndClose(ch, l.protocol());
            if (!backoff.restoreSpare()) {
                return;
            }
        }
    }

    private void setAccepting(boolean on) {
        for (SelectionKey key : listenerKeys) {
            if (key.isValid()) {
                key.interestOps(on ? SelectionKey.OP_ACCEPT : 0);
            }
        }
    }

    void close() {
        backoff.close();
    }
}
