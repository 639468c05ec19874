package dev.driftwatch.monitor.alert;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Executors;

/**
 * A real HTTP receiver on loopback (the JDK's HttpServer): records every request and answers with
 * scripted statuses per path (then 200).
 */
final class WebhookReceiver implements AutoCloseable {

    /**
     * One received request.
     *
     * @param path the request path
     * @param headers the headers (lower-case names, first value)
     * @param body the body text
     * @param status the status answered
     * @param at when it arrived (before any delay or hold)
     */
    record Received(String path, Map<String, String> headers, String body, int status, Instant at) {}

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Integer>> scripts = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private volatile Duration delay = Duration.ZERO;

    WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            Deque<Integer> script = scripts.get(path);
            int status;
            synchronized (this) {
                Integer next = script == null ? null : script.pollFirst();
                status = next == null ? 200 : next;
            }
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
            received.add(new Received(path, headers, new String(body, StandardCharsets.UTF_8), status, Instant.now()));
            AtomicInteger open = inFlight.computeIfAbsent(path, k -> new AtomicInteger());
            open.incrementAndGet();
            try {
                Thread.sleep(delay.toMillis()); // a receiver that takes time, so two dispatchers overlap
                CountDownLatch hold = holds.remove(path);
                if (hold != null) {
                    hold.await(); // the first request after hold(path) waits
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.decrementAndGet();
            }
            byte[] answer = (status == 200 ? "ok" : "status " + status).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    /**
     * Scripts the next answers for a path; after them it answers 200.
     *
     * @param path the path
     * @param statuses the statuses, in order
     */
    void script(String path, int... statuses) {
        Deque<Integer> q = new ArrayDeque<>();
        for (int s : statuses) {
            q.add(s);
        }
        scripts.put(path, q);
    }

    /**
     * Makes the next request on a path wait, without an answer, until the returned latch is counted
     * down (a receiver that hangs); later requests are answered as usual.
     *
     * @param path the path
     * @return the latch that lets the request go on
     */
    CountDownLatch hold(String path) {
        CountDownLatch latch = new CountDownLatch(1);
        holds.put(path, latch);
        return latch;
    }

    /**
     * Requests on a path that arrived and have no answer yet.
     *
     * @param path the path
     * @return how many
     */
    int inFlight(String path) {
        AtomicInteger n = inFlight.get(path);
        return n == null ? 0 : n.get();
    }

    /** @param d how long every answer takes */
    void delay(Duration d) {
        this.delay = d;
    }

    /**
     * The URL of a path.
     *
     * @param path e.g. {@code /hook}
     * @return the URL
     */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /**
     * Requests received on a path.
     *
     * @param path the path
     * @return them, in arrival order
     */
    List<Received> on(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** @return every request, in arrival order */
    List<Received> all() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
