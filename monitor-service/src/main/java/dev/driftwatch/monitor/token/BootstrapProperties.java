package dev.driftwatch.monitor.token;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * A project and a token created at start when missing, so a fresh service accepts a demo's uploads
 * without a manual step.
 *
 * @param project the key of the project to create (nothing is created when empty)
 * @param token the token text to accept for that project (e.g. {@code dw_demo}); nothing when empty
 */
@ConfigurationProperties("driftwatch.bootstrap")
public record BootstrapProperties(String project, String token) {}
