package io.fanout.broker;

/**
 * An open-addressing hash table of {@link TopicEntry} keyed by each entry's topic name: one
 * reference per slot, no node objects, so a million subscriptions cost a few MiB of table
 * instead of a million {@code HashMap.Node}s. Linear probing; removal shifts the following
 * run back (no tombstones), so lookups never slow down after churn. The table grows past
 * 3/4 full and shrinks below 1/8 full, so a client that subscribed to a million channels
 * and left does not pin a large array.
 *
 * <p>Lookups by raw bytes ({@link #get(byte[], int)}) allocate nothing: the publish path
 * uses them. Threads: one owner (a loop, or a connection on its loop); not thread-safe.
 */
final class TopicTable {
    private static final int MIN_CAPACITY = 8;

    private TopicEntry[] slots;
    private int size;

    TopicTable() {
        slots = null; // allocated on first put: most connections subscribe to nothing
    }

    int size() {
        return size;
    }

    /** Fibonacci hashing spreads Arrays.hashCode's weak low bits over the table. */
    private static int indexFor(int hash, int mask) {
        int h = hash * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    TopicEntry get(TopicName topic) {
        return get(topic.bytes(), topic.hashCode());
    }

    /** The entry for these name bytes ({@code hash} = {@code Arrays.hashCode(bytes)}), or null. */
    TopicEntry get(byte[] bytes, int hash) {
        TopicEntry[] s = slots;
        if (s == null) {
            return null;
        }
        int mask = s.length - 1;
        for (int i = indexFor(hash, mask); ; i = (i + 1) & mask) {
            TopicEntry e = s[i];
            if (e == null) {
                return null;
            }
            if (e.topic.matches(bytes, hash)) {
                return e;
            }
        }
    }

    /** Files an entry whose topic is not in the table yet. */
    void add(TopicEntry entry) {
        if (slots == null) {
            slots = new TopicEntry[MIN_CAPACITY];
        } else if ((size + 1) * 4L > slots.length * 3L) {
            resize(slots.length * 2);
        }
        insert(slots, entry);
        size++;
    }

    private static void insert(TopicEntry[] s, TopicEntry entry) {
        int mask = s.length - 1;
        int i = indexFor(entry.topic.hashCode(), mask);
        while (s[i] != null) {
            i = (i + 1) & mask;
        }
        s[i] = entry;
    }

    /** Puts {@code next} in the slot of {@code old} (same topic), e.g. a list replacing a single subscriber. */
    void replace(TopicEntry old, TopicEntry next) {
        slots[slotOf(old)] = next;
    }

    /** Removes this very entry; returns false if it is not filed here. */
    boolean remove(TopicEntry entry) {
        if (slots == null) {
            return false;
        }
        int i = slotOf(entry);
        if (i < 0) {
            return false;
        }
        deleteSlot(i);
        size--;
        if (size * 8L < slots.length && slots.length > MIN_CAPACITY) {
            resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size)) * 4));
        }
        if (size == 0) {
            slots = null;
        }
        return true;
    }

    private int slotOf(TopicEntry entry) {
        TopicEntry[] s = slots;
        int mask = s.length - 1;
        for (int i = indexFor(entry.topic.hashCode(), mask); ; i = (i + 1) & mask) {
            TopicEntry e = s[i];
            if (e == null) {
                return -1;
            }
            if (e == entry) {
                return i;
            }
        }
    }

    /** Backward-shift deletion: moves each later entry of the run to the earliest slot it may use. */
    private void deleteSlot(int hole) {
        TopicEntry[] s = slots;
        int mask = s.length - 1;
        s[hole] = null;
        for (int i = (hole + 1) & mask; s[i] != null; i = (i + 1) & mask) {
            int home = indexFor(s[i].topic.hashCode(), mask);
            // The entry may move into the hole unless its home lies cyclically in (hole, i].
            boolean homeAfterHole = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!homeAfterHole) {
                s[hole] = s[i];
                s[i] = null;
                hole = i;
            }
        }
    }

    private void resize(int capacity) {
        TopicEntry[] next = new TopicEntry[capacity];
        for (TopicEntry e : slots) {
            if (e != null) {
                insert(next, e);
            }
        }
        slots = next;
    }

    /** The entries at this moment, in table order, for callers that change the table while walking. */
    TopicEntry[] snapshot() {
        TopicEntry[] out = new TopicEntry[size];
        if (slots != null) {
            int n = 0;
            for (TopicEntry e : slots) {
                if (e != null) {
                    out[n++] = e;
                }
            }
        }
        return out;
    }
}
