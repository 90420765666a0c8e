package io.fanout.broker;

/**
 * A subscription refused because the server holds as many topics ({@code --max-topics}) or
 * subscriptions ({@code --max-subscriptions}) as it is configured for. The message is the
 * error text a client gets, without the protocol's framing (e.g. {@code ERR max topics
 * reached (1000000)}). The broker keeps one instance per limit, without a stack trace: a
 * SUBSCRIBE of 80,000 channels over the limit costs no 80,000 stack walks.
 */
public final class SubscriptionLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SubscriptionLimitException(String message) {
        super(message, null, false, false);
    }
}
