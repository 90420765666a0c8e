package io.fanout.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subscriber counts per topic and per loop, readable from any loop: it answers PUBSUB
 * queries and tells a publishing loop which other loops need the message at all (and how
 * many receivers they have, for PUBLISH's reply).
 *
 * <p>Threads: written on subscribe/unsubscribe (any loop), read on publish (any loop).
 * Each count array is replaced, never modified, so readers see a consistent array.
 * Subscription changes are not on the fan-out path; a publish only reads.
 */
final class SubscriptionDirectory {
    private final int loops;
    private final Map<TopicName, int[]> channels = new ConcurrentHashMap<>();
    private final Map<TopicName, int[]> shardChannels = new ConcurrentHashMap<>();
    private final Map<TopicName, int[]> patterns = new ConcurrentHashMap<>();

    SubscriptionDirectory(int loops) {
        this.loops = loops;
    }

    private Map<TopicName, int[]> mapFor(TopicKind kind) {
        return switch (kind) {
            case CHANNEL -> channels;
            case SHARD -> shardChannels;
            case PATTERN -> patterns;
        };
    }

    /** Applies the change and returns the topic's new total across loops. */
    int change(TopicKind kind, TopicName topic, int loop, int delta) {
        // The array has loops+1 slots: the last is the total.
        int[] after = mapFor(kind).compute(topic, (k, old) -> {
            int[] next = old == null ? new int[loops + 1] : old.clone();
            next[loop] += delta;
            next[loops] += delta;
            return next[loops] <= 0 ? null : next;
        });
        return after == null ? 0 : after[loops];
    }

    int count(TopicKind kind, TopicName topic, int loop) {
        int[] counts = mapFor(kind).get(topic);
        return counts == null ? 0 : counts[loop];
    }

    int total(TopicKind kind, TopicName topic) {
        int[] counts = mapFor(kind).get(topic);
        return counts == null ? 0 : counts[loops];
    }

    /** Subscribers on {@code loop} of patterns matching {@code channel}. */
    int patternReceivers(byte[] channel, int loop) {
        int sum = 0;
        for (Map.Entry<TopicName, int[]> e : patterns.entrySet()) {
            int n = e.getValue()[loop];
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
}
