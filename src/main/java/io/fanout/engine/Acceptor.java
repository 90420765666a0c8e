package io.fanout.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts connections for the listening sockets registered on its loop (loop 0) and hands
 * each to a loop round-robin, or refuses it with the protocol's error when --max-clients
 * connections are open. Runs on its loop's thread only; a bounded number of accepts per
 * turn keeps a connection storm from starving the loop's other work.
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

    Acceptor(EventLoop home, Engine engine, LoopStats stats) {
        this.home = home;
        this.engine = engine;
        this.stats = stats;
    }

    void acceptAll(Listener l) {
        for (int i = 0; i < MAX_ACCEPTS_PER_TURN; i++) {
            SocketChannel ch;
            try {
                ch = l.server().accept();
            } catch (IOException e) {
                LOG.warn("[ACCEPT]    proto={} failed: {}", l.protocol().name(), e.toString());
                return;
            }
            if (ch == null) {
                return;
            }
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
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap(protocol.maxClientsReply()));
            LOG.warn("[REJECT]    proto={} remote={} reason=max-clients", protocol.name(),
                    Addresses.format(ch.getRemoteAddress()));
            ch.close();
        } catch (IOException ignored) {
            // The client learns from the closed socket.
        }
    }
}
