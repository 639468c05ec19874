package dev.driftwatch.monitor.project;

/**
 * A project's flagging settings changed; published inside the transaction that changed them, so that
 * the runs' flags are recomputed in it too (a listener's failure rolls the change back).
 *
 * @param projectId the project
 */
public record FlagSettingsChanged(long projectId) {}
