package dev.driftwatch.plugin.ship;

import dev.driftwatch.contract.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPInputStream;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A scriptable stand-in for the ingestion API on MockWebServer: answers the next scripted faults
 * first, then like the service (200/201 with counts), and records what it accepted, so that tests
 * can check that every step arrived exactly once.
 */
final class FakeService implements AutoCloseable {

    /** A request as the service saw it. */
    record Seen(String method, String path, Map<String, String> headers, Map<String, Object> json) {}

    final MockWebServer server = new MockWebServer();
    final ConcurrentLinkedQueue<MockResponse> faults = new ConcurrentLinkedQueue<>();
    final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    /** Steps of accepted checkpoints, in arrival order, duplicates included. */
    final List<Long> acceptedSteps = Collections.synchronizedList(new ArrayList<>());
    final List<String> acceptedRuns = Collections.synchronizedList(new ArrayList<>());
    final List<String> finished = Collections.synchronizedList(new ArrayList<>());
    /** A batch holding a step this rejects is refused whole, as the service does. */
    volatile java.util.function.LongPredicate invalidStep = step -> false;
    /** A batch holding a step this fails on gets a 500 (a bug of the service that this record triggers). */
    volatile java.util.function.LongPredicate failingStep = step -> false;
    /** A batch holding a step this holds gets a 503 (the service unavailable while it comes to this record). */
    volatile java.util.function.LongPredicate unavailableStep = step -> false;
    /** The largest request body seen, decompressed, in UTF-8 bytes. */
    volatile long largestBody;
    /** Whether every run record (PUT) gets a 503 (with {@link #unavailableStep}: the whole service unavailable). */
    volatile boolean runPutUnavailable;
    /** Runs whose run record (PUT) gets a 500 every time. */
    volatile java.util.function.Predicate<String> failingRunPut = key -> false;
    /** Runs whose checkpoints get a 404 (the service lost the run) until their run record is PUT again. */
    final java.util.Set<String> lostRuns = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** While set and closed, every request waits for it (at most 30 s) before it is answered. */
    volatile java.util.concurrent.CountDownLatch gate;
    /** Whether every request gets a 500 (the service itself broken). */
    volatile boolean failingEverything;
    /** Whether a refused batch lists its rejected checkpoints ({@code rejected[].index}), as the service does. */
    volatile boolean listsRejected;
    /** Runs whose run record this refuses (400, as for a tag too long); their other records then get 404. */
    volatile java.util.function.Predicate<String> invalidRun = key -> false;
    /** Runs this refuses outright (403, as for a token of another project). */
    volatile java.util.function.Predicate<String> forbiddenRun = key -> false;

    FakeService() {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return answer(request);
            }
        });
    }

    FakeService start() throws IOException {
        server.start();
        return this;
    }

    FakeService start(int port) throws IOException {
        server.start(InetAddress.getByName("localhost"), port);
        return this;
    }

    String url() {
        return "http://localhost:" + server.getPort();
    }

    /** Scripts the next answer(s), before the normal ones. */
    FakeService thenFail(MockResponse... responses) {
        faults.addAll(List.of(responses));
        return this;
    }

    static MockResponse status(int code) {
        return new MockResponse().setResponseCode(code);
    }

    static MockResponse problem(int code, String detail) {
        return new MockResponse().setResponseCode(code)
                .setHeader("Content-Type", "application/problem+json")
                .setBody("{\"type\":\"about:blank\",\"title\":\"Refused\",\"status\":" + code + ",\"detail\":\""
                        + detail + "\"}");
    }

    private MockResponse answer(RecordedRequest request) {
        java.util.concurrent.CountDownLatch held = gate;
        if (held != null) {
            try {
                held.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, Object> json = Map.of();
        byte[] body = request.getBody().readByteArray();
        if (body.length > 0) {
            String text = decode(body, request.getHeader("Content-Encoding"));
            largestBody = Math.max(largestBody, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            json = WireJson.read(text);
        }
        Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        request.getHeaders().forEach(p -> headers.put(p.getFirst(), p.getSecond()));
        seen.add(new Seen(request.getMethod(), request.getPath(), headers, json));
        MockResponse fault = faults.poll();
        if (fault != null) {
            return fault;
        }
        if (failingEverything) {
            return problem(500, "internal error");
        }
        String path = request.getPath();
        String runKey = path.replaceFirst(".*/runs/([^/]+).*", "$1");
        if (forbiddenRun.test(runKey)) {
            return problem(403, "token of another project");
        }
        if (invalidRun.test(runKey)) {
            return "PUT".equals(request.getMethod()) ? problem(400, "tags[0] must be at most 64 characters")
                    : problem(404, "no run " + runKey);
        }
        if ("PUT".equals(request.getMethod()) && runPutUnavailable) {
            return problem(503, "unavailable");
        }
        if ("PUT".equals(request.getMethod()) && failingRunPut.test(runKey)) {
            return problem(500, "internal error");
        }
        if (path.endsWith("/checkpoints") && lostRuns.contains(runKey)) {
            return problem(404, "no run " + runKey);
        }
        if ("PUT".equals(request.getMethod())) {
            lostRuns.remove(runKey);
            acceptedRuns.add(path.substring(path.lastIndexOf('/') + 1));
            return new MockResponse().setResponseCode(201).setBody("{}");
        }
        if (path.endsWith("/checkpoints")) {
            List<String> rejected = new ArrayList<>();
            List<?> batch = (List<?>) json.get("checkpoints");
            for (int i = 0; i < batch.size(); i++) {
                long step = ((Number) ((Map<?, ?>) batch.get(i)).get("step")).longValue();
                if (failingStep.test(step)) {
                    return problem(500, "internal error");
                }
                if (unavailableStep.test(step)) {
                    return problem(503, "unavailable");
                }
                if (invalidStep.test(step)) {
                    if (!listsRejected) {
                        return problem(400, "checkpoints[].step " + step + " is invalid");
                    }
                    rejected.add("{\"index\":" + i + ",\"step\":" + step + ",\"errors\":[{\"field\":\"checkpoints["
                            + i + "].step\",\"message\":\"is invalid\"}]}");
                }
            }
            if (!rejected.isEmpty()) {
                return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/problem+json")
                        .setBody("{\"title\":\"Invalid request\",\"status\":400,\"detail\":\"" + rejected.size()
                                + " checkpoint(s) rejected\",\"rejected\":[" + String.join(",", rejected) + "]}");
            }
            int n = 0;
            for (Object c : (List<?>) json.get("checkpoints")) {
                acceptedSteps.add(((Number) ((Map<?, ?>) c).get("step")).longValue());
                n++;
            }
            return new MockResponse().setBody("{\"accepted\":" + n + ",\"duplicates\":0,\"flags\":[]}");
        }
        if (path.endsWith("/finish")) {
            finished.add(path);
            return new MockResponse().setBody("{}");
        }
        return status(404);
    }

    private static String decode(byte[] body, String encoding) {
        if (!"gzip".equals(encoding)) {
            return new String(body, StandardCharsets.UTF_8);
        }
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.shutdown();
    }
}
