package dev.driftwatch.monitor.alert.notify;

import dev.driftwatch.contract.WireNamed;

/** Why a notification is sent, as stored in the outbox and sent as {@code X-Driftwatch-Event} and {@code kind}. */
public enum NotificationKind implements WireNamed {

    /** The first notification of an episode. */
    FIRING("firing", "FIRING"),
    /** A reminder for an alert that stays firing past the rule's repeat interval. */
    REPEAT("repeat", "STILL FIRING"),
    /** The episode ended; sent once. */
    RESOLVED("resolved", "RESOLVED");

    private final String wireName;
    private final String headline;

    NotificationKind(String wireName, String headline) {
        this.wireName = wireName;
        this.headline = headline;
    }

    /** @return the name in the outbox and the payloads, e.g. {@code repeat} */
    public String wireName() {
        return wireName;
    }

    /** @return what a text notification starts with, e.g. {@code STILL FIRING} */
    public String headline() {
        return headline;
    }
}
