package dev.driftwatch.plugin.ship;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A local port where nothing listens, held until a test server takes it over: a "service that is
 * down" whose address a client can be given before the service comes up on it. The port is bound
 * (with {@code SO_REUSEADDR}) but not listening, so a connection to it is refused and no other
 * socket is handed the port; a server socket with {@code SO_REUSEADDR} may still bind it and listen
 * ({@link FakeService#start(int)} does). Unlike picking a "free" port and binding it later, no other
 * process can take the port in between.
 */
final class ReservedPort implements AutoCloseable {

    private final Socket holder = new Socket();

    /**
     * Reserves a port on localhost.
     *
     * @throws IOException when no port can be bound
     */
    ReservedPort() throws IOException {
        holder.setReuseAddress(true);
        holder.bind(new InetSocketAddress(InetAddress.getByName("localhost"), 0));
    }

    /** @return the port */
    int port() {
        return holder.getLocalPort();
    }

    /** @return {@code http://localhost:<port>} */
    String url() {
        return "http://localhost:" + port();
    }

    /** Releases the port (once the server listens on it, or when the test is done). */
    @Override
    public void close() throws IOException {
        holder.close();
    }
}
