package dev.driftwatch.monitor.alert;

/**
 * A rule whose stored row this version cannot read (a condition of a type it does not know, or values
 * past what its validation lets in, as an older version or a hand edit may have left them). It is not
 * evaluated; it can be replaced or deleted.
 *
 * @param id the rule's id
 * @param name the rule's name
 * @param reason why it cannot be read, as the reader said it
 */
public record UnreadableRule(long id, String name, String reason) {}
