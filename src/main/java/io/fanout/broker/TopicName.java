package io.fanout.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A binary-safe channel or pattern name usable as a map key. Immutable. */
public final class TopicName {
    private final byte[] bytes;
    private final int hash;

    public TopicName(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static TopicName of(String s) {
        return new TopicName(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes; callers must not modify them. */
    public byte[] bytes() {
        return bytes;
    }

    /** Whether this name is {@code bytes}, whose {@code Arrays.hashCode} is {@code hash}; allocates nothing. */
    public boolean matches(byte[] other, int otherHash) {
        return hash == otherHash && Arrays.equals(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicName t && t.hash == hash && Arrays.equals(t.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
