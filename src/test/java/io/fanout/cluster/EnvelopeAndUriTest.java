package io.fanout.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.broker.TopicKind;

/** The envelope's wire form and the --cluster URI forms, without Redis. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EnvelopeAndUriTest {

    @Test
    void envelopeCarriesNodeKindTimeAndTheExactPayloadWithoutMovingTheBuffer() {
        ByteBuffer payload = ByteBuffer.wrap("xxhello".getBytes(StandardCharsets.UTF_8));
        payload.position(2);
        byte[] e = Envelope.wrap(0x0102030405060708L, TopicKind.SHARD, 42L, payload);
        assertEquals(2, payload.position());
        assertTrue(Envelope.isEnvelope(e));
        assertEquals(0x0102030405060708L, Envelope.nodeId(e));
        assertEquals(TopicKind.SHARD, Envelope.kind(e));
        assertEquals(42L, Envelope.publishedMicros(e));
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(e, Envelope.HEADER_BYTES, e.length));
        assertArrayEquals(new byte[] {0, 'f', 'o', 's', 1, 2, 3, 4, 5, 6, 7, 8}, Arrays.copyOf(e, 12));
    }

    @Test
    void negativeNodeIdsSurviveTheRoundTrip() {
        byte[] e = Envelope.wrap(-2L, TopicKind.CHANNEL, -1L, ByteBuffer.allocate(0));
        assertEquals(-2L, Envelope.nodeId(e));
        assertEquals(TopicKind.CHANNEL, Envelope.kind(e));
        assertEquals(Envelope.HEADER_BYTES, e.length);
    }

    @Test
    void plainMessagesAreNotEnvelopesEvenWhenTheyStartLikeOne() {
        assertFalse(Envelope.isEnvelope("hi".getBytes(StandardCharsets.UTF_8)));
        assertFalse(Envelope.isEnvelope(new byte[] {0, 'f', 'o', 'c'})); // too short
        byte[] wrongKind = new byte[Envelope.HEADER_BYTES];
        wrongKind[1] = 'f';
        wrongKind[2] = 'o';
        wrongKind[3] = 'x';
        assertFalse(Envelope.isEnvelope(wrongKind));
        assertFalse(Envelope.isEnvelope(new byte[0]));
    }

    @Test
    void standaloneUrisKeepCredentialsOutOfTheLogForm() {
        ClusterUri u = ClusterUri.parse("redis://user:secret@10.0.0.5:6380/2");
        assertFalse(u.isRedisCluster());
        assertEquals("redis://10.0.0.5:6380/2", u.redacted());
        assertEquals(6380, u.nodes().get(0).getPort());
        assertEquals(2, u.nodes().get(0).getDatabase());
        assertTrue(ClusterUri.parse("rediss://h:6390").nodes().get(0).isSsl());
    }

    @Test
    void clusterUrisListEverySeedNode() {
        ClusterUri u = ClusterUri.parse("redis-cluster://:pw@h1:7001,h2:7002,h3");
        assertTrue(u.isRedisCluster());
        assertEquals(3, u.nodes().size());
        assertEquals("h2", u.nodes().get(1).getHost());
        assertEquals(6379, u.nodes().get(2).getPort());
        assertEquals("redis-cluster://h1:7001,h2:7002,h3", u.redacted());
        assertTrue(ClusterUri.parse("rediss-cluster://h1:7001").nodes().get(0).isSsl());
        assertEquals(io.lettuce.core.SslVerifyMode.NONE,
                ClusterUri.parse("rediss-cluster://h1:7001,h2:7002?verifyPeer=NONE").nodes().get(1).getVerifyMode());
        assertEquals(io.lettuce.core.SslVerifyMode.CA,
                ClusterUri.parse("rediss://h1:7001?verifyPeer=CA").nodes().get(0).getVerifyMode());
        assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("redis-cluster://h1:1?bogus=1"));
    }

    @Test
    void badUrisAreRefusedWithAClearMessage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("localhost:6379"))
                .getMessage().contains("expected redis://"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("http://h:1"))
                .getMessage().contains("unknown scheme"));
        assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("redis-cluster://h1:notaport"));
        assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("redis-cluster://"));
        assertThrows(IllegalArgumentException.class, () -> ClusterUri.parse("redis://"));
    }

    @Test
    void aPrefixWithGlobCharactersIsEscapedForPatterns() {
        assertArrayEquals("a\\*b\\?\\[c\\]\\\\:".getBytes(StandardCharsets.UTF_8),
                ClusterLink.escapeGlob("a*b?[c]\\:".getBytes(StandardCharsets.UTF_8)));
    }
}
