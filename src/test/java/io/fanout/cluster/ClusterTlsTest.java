package io.fanout.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.fanout.broker.TopicKind;
import io.fanout.protocol.resp.it.RedisServerProcess;
import io.fanout.protocol.resp.it.RespConnection;
import io.fanout.testing.Await;

/**
 * {@code rediss://}: two nodes linked through a redis-server that speaks only TLS (a
 * self-signed certificate made with openssl, so {@code ?verifyPeer=NONE}). Skipped when
 * openssl is missing or this redis-server was built without TLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterTlsTest {
    @TempDir
    Path dir;

    @Test
    void nodesRelayThroughATlsOnlyRedis() throws Exception {
        RedisServerProcess.requireTool("redis-server");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(),
                "-days", "2", "-subj", "/CN=127.0.0.1").redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        Assumptions.assumeTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl could not make a certificate");
        int port = RedisNode.freePort();
        Path log = dir.resolve("redis.log");
        Process redis = new ProcessBuilder(List.of("redis-server", "--port", "0", "--tls-port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--tls-cert-file", dir.resolve("cert.pem").toString(), "--tls-key-file", dir.resolve("key.pem").toString(),
                "--tls-ca-cert-file", dir.resolve("cert.pem").toString(), "--tls-auth-clients", "no"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Await.until(() -> !redis.isAlive() || read(log).contains("Ready to accept connections"), "redis-server started");
            Assumptions.assumeTrue(redis.isAlive(), "this redis-server has no TLS support: " + read(log));
            ClusterConfig tls = ClusterConfig.of("rediss://127.0.0.1:" + port + "?verifyPeer=NONE");
            try (FanoutNodes nodes = FanoutNodes.start(2, tls, 1)) {
                RespConnection b = nodes.resp(1);
                b.send("SUBSCRIBE", "secure");
                b.readOne();
                nodes.awaitHeld(TopicKind.CHANNEL, "secure", 1);
                nodes.resp(0).call("PUBLISH", "secure", "over tls");
                assertEquals("over tls", b.readOne().get(2).text());
            }
        } finally {
            redis.destroy();
            redis.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
