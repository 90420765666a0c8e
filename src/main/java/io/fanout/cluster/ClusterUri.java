package io.fanout.cluster;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.RedisURI;

/**
 * What {@code --cluster} names: one Redis ({@code redis://[user:pass@]host:port[/db]},
 * {@code rediss://} for TLS) or the seed nodes of a Redis Cluster
 * ({@code redis-cluster://[user:pass@]h1:p1,h2:p2}, {@code rediss-cluster://} for TLS).
 * Immutable; {@link #redacted()} is what logs show (no password).
 */
public final class ClusterUri {
    private static final int DEFAULT_PORT = 6379;

    private final boolean redisCluster;
    private final List<RedisURI> nodes;
    private final String redacted;

    private ClusterUri(boolean redisCluster, List<RedisURI> nodes, String redacted) {
        this.redisCluster = redisCluster;
        this.nodes = List.copyOf(nodes);
        this.redacted = redacted;
    }

    /** @throws IllegalArgumentException with a message fit for the command line */
    public static ClusterUri parse(String text) {
        int sep = text.indexOf("://");
        if (sep < 0) {
            throw new IllegalArgumentException("expected redis://host:port, rediss://host:port or "
                    + "redis-cluster://host1:port1,host2:port2, got '" + text + "'");
        }
        String scheme = text.substring(0, sep);
        String rest = text.substring(sep + 3);
        return switch (scheme) {
            case "redis", "rediss" -> single(text, scheme, rest);
            case "redis-cluster", "rediss-cluster" -> cluster(scheme.startsWith("rediss"), rest, scheme);
            default -> throw new IllegalArgumentException("unknown scheme '" + scheme
                    + "' (use redis, rediss, redis-cluster or rediss-cluster)");
        };
    }

    private static ClusterUri single(String text, String scheme, String rest) {
        try {
            URI u = new URI(text);
            if (u.getHost() == null) {
                throw new IllegalArgumentException("no host in '" + redact(text) + "'");
            }
            RedisURI r = RedisURI.create(text);
            return new ClusterUri(false, List.of(r), scheme + "://" + hostPart(rest));
        } catch (URISyntaxException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("no host")) {
                throw iae;
            }
            throw new IllegalArgumentException("cannot parse '" + redact(text) + "': " + e.getMessage());
        }
    }

    private static ClusterUri cluster(boolean tls, String rest, String scheme) {
        io.lettuce.core.SslVerifyMode verify = io.lettuce.core.SslVerifyMode.FULL;
        int q = rest.indexOf('?');
        if (q >= 0) {
            verify = verifyPeer(rest.substring(q + 1));
            rest = rest.substring(0, q);
        }
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String cred = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = cred.indexOf(':');
            user = colon < 0 ? null : cred.substring(0, colon);
            password = colon < 0 ? cred : cred.substring(colon + 1);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash); // Redis Cluster has only db 0
        }
        List<RedisURI> nodes = new ArrayList<>();
        for (String hp : rest.split(",")) {
            if (hp.isBlank()) {
                continue;
            }
            RedisURI.Builder b = hostAndPort(hp).withSsl(tls);
            if (tls) {
                b = b.withVerifyPeer(verify);
            }
            if (password != null) {
                b = user == null || user.isEmpty() ? b.withPassword(password.toCharArray())
                        : b.withAuthentication(user, password.toCharArray());
            }
            nodes.add(b.build());
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no host:port in " + scheme + "://");
        }
        return new ClusterUri(true, nodes, scheme + "://" + rest);
    }

    /** The query of a redis-cluster:// URI: only verifyPeer=FULL|CA|NONE, as Lettuce's redis:// parser takes it. */
    private static io.lettuce.core.SslVerifyMode verifyPeer(String query) {
        io.lettuce.core.SslVerifyMode verify = io.lettuce.core.SslVerifyMode.FULL;
        for (String param : query.split("&")) {
            String[] kv = param.split("=", 2);
            if (kv.length == 2 && kv[0].equals("verifyPeer")) {
                try {
                    verify = io.lettuce.core.SslVerifyMode.valueOf(kv[1].toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("verifyPeer must be FULL, CA or NONE, got '" + kv[1] + "'");
                }
            } else if (!param.isEmpty()) {
                throw new IllegalArgumentException("unknown parameter '" + kv[0] + "' (only verifyPeer)");
            }
        }
        return verify;
    }

    /** One {@code host[:port]} of the node list, checked. */
    private static RedisURI.Builder hostAndPort(String hp) {
        int colon = hp.lastIndexOf(':');
        String host = colon < 0 ? hp : hp.substring(0, colon);
        int port = DEFAULT_PORT;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(hp.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + hp + "'");
            }
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad host:port '" + hp + "'");
        }
        return RedisURI.builder().withHost(host).withPort(port);
    }

    private static String hostPart(String rest) {
        int at = rest.lastIndexOf('@');
        return at < 0 ? rest : rest.substring(at + 1);
    }

    private static String redact(String text) {
        int sep = text.indexOf("://");
        return sep < 0 ? text : text.substring(0, sep + 3) + hostPart(text.substring(sep + 3));
    }

    /** True for redis-cluster:// (sharded pub/sub), false for one Redis. */
    public boolean isRedisCluster() {
        return redisCluster;
    }

    List<RedisURI> nodes() {
        return nodes;
    }

    /** The URI without credentials, for logs. */
    public String redacted() {
        return redacted;
    }

    @Override
    public String toString() {
        return redacted;
    }
}
