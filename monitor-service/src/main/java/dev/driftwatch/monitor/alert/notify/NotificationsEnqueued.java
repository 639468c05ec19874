package dev.driftwatch.monitor.alert.notify;

/**
 * Notifications were written to the outbox in the current transaction; once it commits, this
 * instance's dispatcher is woken ({@link DispatcherWakeUp}) instead of waiting for its next poll.
 *
 * @param count how many were written
 */
record NotificationsEnqueued(int count) {}
