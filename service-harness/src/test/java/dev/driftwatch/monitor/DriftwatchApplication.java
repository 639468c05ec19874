package dev.driftwatch.monitor;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A stand-in for the service's main class in the harness's own tests, under the same name, so that
 * {@code ServiceProcess.fromCurrentClasspath()} starts it: it binds the port it is given (0: any), writes
 * the one it bound to {@code --driftwatch.port-file} as the service does, answers readiness, echoes its
 * arguments at {@code /args}, and with {@code --exit=N} exits with status N instead.
 */
public final class DriftwatchApplication {

    private DriftwatchApplication() {}

    /**
     * Runs the stand-in.
     *
     * @param args Spring Boot style {@code --key=value} arguments
     * @throws IOException when it cannot bind or write
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> props = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            props.merge(a.substring(2, eq), a.substring(eq + 1), (x, y) -> x + "," + y);
        }
        if (props.containsKey("exit")) {
            System.exit(Integer.parseInt(props.get("exit")));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(props.get("server.port"))), 0);
        server.createContext("/actuator/health/readiness", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.createContext("/args", exchange -> {
            byte[] body = String.join("\n", args).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Path portFile = Path.of(props.get("driftwatch.port-file"));
        Path partial = portFile.resolveSibling(portFile.getFileName() + ".tmp");
        Files.writeString(partial, Integer.toString(server.getAddress().getPort()));
        Files.move(partial, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("fake service listening on " + server.getAddress().getPort());
    }
}
