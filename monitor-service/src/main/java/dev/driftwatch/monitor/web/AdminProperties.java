package dev.driftwatch.monitor.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The web UI's login account.
 *
 * @param adminUsername the user name of the UI's administrator
 *     ({@code DRIFTWATCH_SECURITY_ADMIN_USERNAME})
 * @param adminPassword its password ({@code DRIFTWATCH_SECURITY_ADMIN_PASSWORD}); when empty the
 *     service generates one at first start, prints it once to the log and keeps only its hash in the
 *     database, so it stays the same across restarts
 */
@ConfigurationProperties("driftwatch.security")
public record AdminProperties(@DefaultValue("admin") String adminUsername, String adminPassword) {

    /** @return true when a password is configured */
    boolean passwordConfigured() {
        return adminPassword != null && !adminPassword.isBlank();
    }
}
