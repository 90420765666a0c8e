package io.fanout.engine;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

import jdk.net.ExtendedSocketOptions;

/**
 * Options set on every accepted client socket. TCP keepalive as Redis sets it
 * ({@code tcp-keepalive 300}): SO_KEEPALIVE, the first probe after {@code idleSeconds} of
 * silence, then a probe every third of that, and the peer declared dead after three
 * unanswered probes — so a peer that vanished from a quiet channel is noticed (its socket
 * then fails, and the loop closes it as {@code io-error}) instead of holding a slot forever.
 * Where the platform lacks the idle/interval/count options only SO_KEEPALIVE is set (the
 * kernel's defaults, two hours on Linux, then apply). Called on the owning loop's thread.
 */
final class SocketTuning {
    private SocketTuning() {
    }

    static void apply(SocketChannel ch, EngineConfig config) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (config.socketSendBufferBytes() > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, config.socketSendBufferBytes());
        }
        int idle = config.tcpKeepAliveSeconds();
        if (idle > 0) {
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            trySet(ch, ExtendedSocketOptions.TCP_KEEPIDLE, idle);
            trySet(ch, ExtendedSocketOptions.TCP_KEEPINTERVAL, Math.max(1, idle / 3));
            trySet(ch, ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
        }
    }

    private static void trySet(SocketChannel ch, SocketOption<Integer> option, int value) throws IOException {
        if (ch.supportedOptions().contains(option)) {
            ch.setOption(option, value);
        }
    }
}
