package io.fanout.policy;

/**
 * Immutable limits of the slow-consumer policy; 0 switches a rule off.
 *
 * @param hardLimitBytes     --slow-threshold
 * @param softLimitBytes     --soft-limit
 * @param softNanos          --soft-seconds
 * @param writeDeadlineNanos --write-deadline
 * @param maxPendingTotalBytes --max-pending-total
 * @param mode               --slow-policy
 * @param producerStallNanos --producer-stall
 */
public record SlowPolicySettings(long hardLimitBytes, long softLimitBytes, long softNanos, long writeDeadlineNanos,
                                 long maxPendingTotalBytes, SlowPolicyMode mode, long producerStallNanos) {
    public static SlowPolicySettings hardOnly(long hardLimitBytes) {
        return new SlowPolicySettings(hardLimitBytes, 0, 0, 0, 0, SlowPolicyMode.DISCONNECT, 0);
    }
}
