package io.fanout.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Subscriber counts per topic and per loop, readable from any loop: it answers PUBSUB
 * queries and tells a publishing loop which other loops need the message at all (and how
 * many receivers they have, for PUBLISH's reply). It also counts distinct topics of every
 * kind together, for {@code --max-topics}.
 *
 * <p>Threads: written on subscribe/unsubscribe (any loop), read on publish (any loop).
 * Each count array is replaced, never modified, so readers see a consistent array.
 * Subscription changes are not on the fan-out path; a publish only reads.
 *
 * <p>Memory: with one loop (the default) a topic's value is its total as an {@code Integer},
 * which the JDK caches for counts up to 127, so a topic costs one map node; with several
 * loops it is an {@code int[loops + 1]} (the last slot is the total).
 */
final class SubscriptionDirectory {
    /** {@link #tryChange}'s answer when the topic limit refused a new topic. */
    static final int REFUSED = -1;

    private final int loops;
    private final Map<TopicName, Object> channels = new ConcurrentHashMap<>();
    private final Map<TopicName, Object> shardChannels = new ConcurrentHashMap<>();
    private final Map<TopicName, Object> patterns = new ConcurrentHashMap<>();
    private final AtomicInteger topics = new AtomicInteger();

    SubscriptionDirectory(int loops) {
        this.loops = loops;
    }

    private Map<TopicName, Object> mapFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case SHARD -> shardChannels;
            case PATTERN -> patterns;
        };
    }

    /** Applies the change and returns the topic's new total across loops. */
    int change(TopicKind kind, TopicName topic, int loop, int delta) {
        return tryChange(kind, topic, loop, delta, Integer.MAX_VALUE);
    }

    /**
     * Adds {@code delta} to the topic's count on {@code loop} and returns the topic's new
     * total across loops; returns {@link #REFUSED}, changing nothing, when the topic is new
     * and {@code maxTopics} distinct topics exist already.
     */
    int tryChange(TopicKind kind, TopicName topic, int loop, int delta, int maxTopics) {
        boolean[] refused = new boolean[1];
        Object after = mapFor(kind).compute(topic, (k, old) -> {
            if (old == null && !reserveTopic(maxTopics)) {
                refused[0] = true;
                return null;
            }
            Object next = add(old, loop, delta);
            if (next == null && old != null) {
                topics.decrementAndGet();
            }
            return next;
        });
        if (refused[0]) {
            return REFUSED;
        }
        return after == null ? 0 : total(after);
    }

    /** The total across loops held in a directory value (an Integer with one loop, else int[loops + 1]). */
    private int total(Object value) {
        return value instanceof Integer n ? n : ((int[]) value)[loops];
    }

    private boolean reserveTopic(int maxTopics) {
        int n;
        do {
            n = topics.get();
            if (n >= maxTopics) {
                return false;
            }
        } while (!topics.compareAndSet(n, n + 1));
        return true;
    }

    /** The new value, or null when the topic has no subscriber left. */
    private Object add(Object old, int loop, int delta) {
        if (loops == 1) {
            int total = (old == null ? 0 : (Integer) old) + delta;
            return total <= 0 ? null : Integer.valueOf(total);
        }
        int[] next = old == null ? new int[loops + 1] : ((int[]) old).clone();
        next[loop] += delta;
        next[loops] += delta;
        return next[loops] <= 0 ? null : next;
    }

    int count(TopicKind kind, TopicName topic, int loop) {
        return countOf(mapFor(kind).get(topic), loop);
    }

    private int countOf(Object value, int loop) {
        if (value == null) {
            return 0;
        }
        return loops == 1 ? (Integer) value : ((int[]) value)[loop];
    }

    int total(TopicKind kind, TopicName topic) {
        return countOf(mapFor(kind).get(topic), loops == 1 ? 0 : loops);
    }

    /** Subscribers on {@code loop} of patterns matching {@code channel}. */
    int patternReceivers(byte[] channel, int loop) {
        int sum = 0;
        for (Map.Entry<TopicName, Object> e : patterns.entrySet()) {
            int n = countOf(e.getValue(), loop);
            if (n > 0 && GlobPattern.matches(e.getKey().bytes(), channel)) {
                sum += n;
            }
        }
        return sum;
    }

    /** Topics of the kind with at least one subscriber, optionally filtered by a glob. */
    List<TopicName> topics(TopicKind kind, byte[] glob) {
        List<TopicName> out = new ArrayList<>();
        for (TopicName t : mapFor(kind).keySet()) {
            if (glob == null || GlobPattern.matches(glob, t.bytes())) {
                out.add(t);
            }
        }
        return out;
    }

    int distinctTopics(TopicKind kind) {
        return mapFor(kind).size();
    }

    /** Distinct channels, patterns and shard channels together. */
    int distinctTopics() {
        return topics.get();
    }
}
