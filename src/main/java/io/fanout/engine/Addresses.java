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

    /**
     * A listener's address as the operator asked for it, with the port it really got: a
     * wildcard bind ("0.0.0.0") stays "0.0.0.0:7000" instead of the JDK's dual-stack "[::]".
     */
    public static String listening(String requestedHost, SocketAddress bound) {
        int port = bound instanceof InetSocketAddress isa ? isa.getPort() : 0;
        String host = requestedHost.indexOf(':') >= 0 && !requestedHost.startsWith("[")
                ? "[" + requestedHost + "]" : requestedHost;
        return host + ":" + port;
    }
}
