package dev.driftwatch.examples.docs;

import dev.driftwatch.harness.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one monitor service every doc example talks to: the real exec jar in a child JVM on its
 * embedded PostgreSQL, started on first use and stopped when the test JVM exits. It has the demo's
 * project and token ({@value #PROJECT}, {@value #TOKEN}), so the docs can show exactly what a reader
 * types after {@code ./run-demo.sh}; only the address differs ({@value #DOC_URL} in the docs).
 *
 * <p>While writing docs, {@code -D}{@value #URL_PROPERTY}{@code =http://localhost:8080} points the
 * tests at a service that is already running instead (a fresh one: the examples create their runs).
 */
final class DocService {

    /** The demo's project, as {@code ./run-demo.sh} creates it. */
    static final String PROJECT = "demo";
    /** The demo's token. */
    static final String TOKEN = "dw_demo_local_token";
    /** The service's address as the docs write it. */
    static final String DOC_URL = "http://localhost:8080";

    /** A running service to use instead of starting one. */
    static final String URL_PROPERTY = "driftwatch.doc-test.url";

    private static ServiceProcess service;

    private DocService() {}

    /**
     * Returns the running service, starting it on first use.
     *
     * @return the service, or null when {@value #URL_PROPERTY} names one that runs elsewhere
     */
    static synchronized ServiceProcess get() {
        if (service == null && System.getProperty(URL_PROPERTY) != null) {
            return null;
        }
        if (service == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("driftwatch-doc-examples");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ServiceProcess s = ServiceProcess.builder()
                    .dataDir(dir.resolve("pgdata"))
                    .logFile(Path.of("target", "doc-examples-service.log"))
                    .bootstrap(PROJECT, TOKEN)
                    .build();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "doc-examples-service-stop"));
            service = s.start();
        }
        return service;
    }

    /**
     * Returns the base URL of the running service, e.g. {@code http://localhost:41234}.
     *
     * @return the URL without a trailing slash
     */
    static String url() {
        String given = System.getProperty(URL_PROPERTY);
        String u = given != null && !given.isBlank() ? given : get().url().toString();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }
}
