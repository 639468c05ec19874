package dev.driftwatch.monitor.alert;

import java.util.List;

/**
 * The states alert episodes entered in one transaction (an upload or a rule change), published so
 * that what counts them ({@code alert.metrics}) hears of them once the transaction has committed.
 *
 * @param entered the states entered, e.g. {@code firing}, one entry per transition
 */
public record AlertTransitions(List<String> entered) {}
