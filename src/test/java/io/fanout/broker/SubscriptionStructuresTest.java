package io.fanout.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.fanout.engine.Frame;

/**
 * The compact subscription structures against plain JDK collections as the model: random
 * adds and removes (with the table growing, shrinking and shifting runs back) never lose,
 * duplicate or misfile an entry, and a subscriber list keeps each wire form's run contiguous
 * with every subscription's slot pointing at itself.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SubscriptionStructuresTest {
    private static final int FORMS = 3;

    private static final class Form implements WireForm {
        private final int index;

        Form(int index) {
            this.index = index;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public int encodedLength(Publication publication, byte[] pattern) {
            return 0;
        }

        @Override
        public void writeTo(Frame frame, Publication publication, byte[] pattern) {
        }
    }

    private static final WireForm[] FORM = {new Form(0), new Form(1), new Form(2)};

    private static Subscription subscription(String topic, int form) {
        return new Subscription(null, FORM[form], TopicKind.CHANNEL, TopicName.of(topic));
    }

    @Test
    void subscriptionSetAgreesWithAHashMapThroughGrowthShrinkAndChurn() {
        Random random = new Random(42);
        SubscriptionSet set = new SubscriptionSet();
        Map<String, Subscription> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            // A small key space makes long probe runs and many removals inside them.
            String key = "ch:" + random.nextInt(step < 100_000 ? 5_000 : 300);
            TopicName name = TopicName.of(key);
            if (random.nextInt(3) > 0 && !model.containsKey(key)) {
                Subscription s = subscription(key, 0);
                set.add(s);
                model.put(key, s);
            } else {
                assertSame(model.remove(key), set.remove(name), key);
            }
            if (step % 10_000 == 0) {
                assertAgrees(model, set);
            }
        }
        for (String key : new ArrayList<>(model.keySet())) {
            assertSame(model.remove(key), set.remove(TopicName.of(key)));
        }
        assertAgrees(model, set);
        assertTrue(set.isEmpty());
    }

    private static void assertAgrees(Map<String, Subscription> model, SubscriptionSet set) {
        assertEquals(model.size(), set.size());
        for (Map.Entry<String, Subscription> e : model.entrySet()) {
            assertSame(e.getValue(), set.get(TopicName.of(e.getKey())), e.getKey());
        }
        Set<Subscription> listed = new HashSet<>(List.of(set.toArray()));
        assertEquals(new HashSet<>(model.values()), listed);
    }

    @Test
    void subscriberListKeepsEachFormContiguousAndEverySlotTrue() {
        Random random = new Random(7);
        SubscriberList list = new SubscriberList(TopicName.of("t"), FORMS);
        List<Subscription> model = new ArrayList<>();
        for (int step = 0; step < 50_000; step++) {
            if (model.isEmpty() || random.nextInt(5) < 3 && model.size() < 400) {
                Subscription s = subscription("t", random.nextInt(FORMS));
                list.add(s);
                model.add(s);
            } else {
                Subscription s = model.remove(random.nextInt(model.size()));
                list.remove(s);
                assertEquals(-1, s.slot);
            }
            assertConsistent(list, model);
        }
    }

    private static void assertConsistent(SubscriberList list, List<Subscription> model) {
        assertEquals(model.size(), list.total());
        Subscription[] subs = list.subscribers();
        int start = 0;
        for (int f = 0; f < FORMS; f++) {
            int n = list.count(f);
            for (int i = start; i < start + n; i++) {
                assertEquals(f, subs[i].form.index(), "form run " + f + " at " + i);
                assertEquals(i, subs[i].slot);
            }
            start += n;
        }
        for (int i = start; i < subs.length; i++) {
            assertNull(subs[i], "no stale reference after the runs");
        }
        assertEquals(new HashSet<>(model), new HashSet<>(java.util.Arrays.asList(subs).subList(0, start)));
    }
}
