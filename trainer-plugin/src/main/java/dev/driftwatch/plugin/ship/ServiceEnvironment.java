package dev.driftwatch.plugin.ship;

import java.util.Map;

/**
 * The environment variables that name the service, the project and its API token, read by both the
 * streaming client ({@link HttpDriftSink#builder()}) and the command-line tool ({@link UploadCli}), so
 * that a job and the upload of its spool reach the same service.
 */
final class ServiceEnvironment {

    /** The service's base URL, e.g. {@code http://localhost:8080}. */
    static final String URL = "DRIFTWATCH_URL";
    /** The project's key. */
    static final String PROJECT = "DRIFTWATCH_PROJECT";
    /** The project's API token. */
    static final String TOKEN = "DRIFTWATCH_TOKEN";

    private ServiceEnvironment() {}

    /**
     * Returns a variable's value, or null when it is unset or blank.
     *
     * @param env the environment
     * @param name the variable
     * @return the value or null
     */
    static String get(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
