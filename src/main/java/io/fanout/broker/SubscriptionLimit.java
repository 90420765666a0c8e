package io.fanout.broker;

/** Which limit refused a subscription; the label is the metric's {@code limit} label. */
public enum SubscriptionLimit {
    /** --max-subscriptions-per-client. */
    CLIENT("client"),
    /** --max-topics. */
    TOPICS("topics"),
    /** --max-subscriptions. */
    SUBSCRIPTIONS("subscriptions");

    private final String label;

    SubscriptionLimit(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
