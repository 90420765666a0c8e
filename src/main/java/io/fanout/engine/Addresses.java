package io.fanout.engine;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Socket addresses as fanout's logs, CLIENT LIST and metrics show them. */
public final class Addresses {
    private Addresses() {
    }

    /** {@code host:port}; IPv6 hosts in brackets, so the port is unambiguous. */
    public static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress isa) {
            String host = isa.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + isa.getPort();
        }
        return String.valueOf(address);
    }
}
