package dev.driftwatch.monitor.alert.notify;

import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/** Wakes this instance's dispatcher after a transaction that wrote notifications has committed. */
@Component
class DispatcherWakeUp {

    private final NotificationDispatcher dispatcher;

    DispatcherWakeUp(NotificationDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @TransactionalEventListener
    void afterCommit(NotificationsEnqueued event) {
        dispatcher.wakeUp();
    }
}
