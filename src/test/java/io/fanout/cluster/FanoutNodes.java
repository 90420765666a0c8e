package io.fanout.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.server.FanoutServer;
import io.fanout.server.ServerConfig;
import io.fanout.testing.Await;
import io.fanout.testing.LineClient;

/**
 * Several in-process fanout nodes joined through one Redis (or Redis Cluster), each on
 * loopback port 0, plus the clients a test opened; {@link #close} ends all of them.
 */
final class FanoutNodes implements AutoCloseable {
    final List<FanoutServer> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    static FanoutNodes start(int n, ClusterConfig cluster, int ioThreads) throws IOException {
        FanoutNodes f = new FanoutNodes();
        try {
            for (int i = 0; i < n; i++) {
                f.nodes.add(FanoutServer.start(ServerConfig.forTests().withIoThreads(ioThreads), cluster));
            }
            for (FanoutServer s : f.nodes) {
                Await.until(() -> s.cluster().stats().linkUp(), "node linked to redis");
            }
        } catch (IOException | RuntimeException | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    FanoutServer node(int i) {
        return nodes.get(i);
    }

    ClusterStats stats(int i) {
        return nodes.get(i).cluster().stats();
    }

    RespConnection resp(int i) throws IOException {
        RespConnection c = RespConnection.open(nodes.get(i).respAddress());
        clients.add(c);
        return c;
    }

    LineClient line(int i) throws IOException {
        LineClient c = LineClient.connect(nodes.get(i).lineAddress());
        clients.add(c);
        return c;
    }

    /** Waits until Redis confirmed the subscription each given node needs for a topic. */
    void awaitHeld(TopicKind kind, String topic, int... nodeIndexes) {
        for (int i : nodeIndexes) {
            ClusterLink link = nodes.get(i).cluster();
            Await.until(() -> link.holdsInRedis(kind, topic), "node " + i + " holds " + kind + " " + topic + " in redis");
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        for (FanoutServer s : nodes) {
            s.close();
        }
    }
}
