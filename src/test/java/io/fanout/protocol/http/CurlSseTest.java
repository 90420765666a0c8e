package io.fanout.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.testing.LineClient;

/** Server-Sent Events with the real {@code curl -N}, and POST /publish with {@code curl -d}; skipped without curl. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CurlSseTest {

    static boolean hasCurl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(dir, "curl").canExecute()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void curlStreamsEventsAsNcUsersTalkAndPublishesWithDashD() throws Exception {
        Assumptions.assumeTrue(hasCurl(), "curl is not installed");
        try (WebServer w = WebServer.start();
             LineClient nc = LineClient.connect(w.server.lineAddress())) {
            String base = "http://127.0.0.1:" + w.httpAddress().getPort();
            Process curl = new ProcessBuilder("curl", "-sS", "-N", base + "/sse/broadcast").redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals(": ok", out.readLine());
                assertEquals("", out.readLine());
                w.awaitClients("sse", 1);
                nc.send("typed in nc");
                assertEquals("data: typed in nc", out.readLine());
                assertEquals("", out.readLine());

                Process post = new ProcessBuilder("curl", "-sS", "-d", "from curl", base + "/publish/broadcast")
                        .redirectErrorStream(true).start();
                String answer = new String(post.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(post.waitFor(10, TimeUnit.SECONDS));
                assertEquals("{\"receivers\":2}\n", answer, "the nc client and the curl stream");
                assertEquals("data: from curl", out.readLine());
                assertEquals("typed in nc", nc.readLine());
                assertEquals("from curl", nc.readLine());
            } finally {
                curl.destroy();
                curl.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
