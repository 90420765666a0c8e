package io.fanout.broker;

/**
 * One connection's subscriptions of one kind, keyed by topic: an open-addressing table of
 * the {@link Subscription} objects themselves (about 6 bytes per subscription on top of the
 * subscription), where a {@code LinkedHashMap} spent a 40-byte entry on each.
 * Iteration order is the table's, like Redis's dict (UNSUBSCRIBE without arguments answers
 * in no particular order there either).
 *
 * <p>Threads: the connection's loop thread only.
 */
public final class SubscriptionSet {
    private final TopicTable table = new TopicTable();

    public int size() {
        return table.size();
    }

    public boolean isEmpty() {
        return table.size() == 0;
    }

    public Subscription get(TopicName topic) {
        return (Subscription) table.get(topic);
    }

    /** Adds a subscription whose topic is not in the set yet. */
    public void add(Subscription s) {
        table.add(s);
    }

    /** Removes and returns the subscription of this topic, or null. */
    public Subscription remove(TopicName topic) {
        Subscription s = get(topic);
        if (s != null) {
            table.remove(s);
        }
        return s;
    }

    /** Puts {@code next} where {@code old} was (same topic). */
    public void replace(Subscription old, Subscription next) {
        table.replace(old, next);
    }

    /** The subscriptions at this moment (a copy: callers may change the set while walking it). */
    public Subscription[] toArray() {
        TopicEntry[] entries = table.snapshot();
        Subscription[] out = new Subscription[entries.length];
        for (int i = 0; i < entries.length; i++) {
            out[i] = (Subscription) entries[i];
        }
        return out;
    }
}
