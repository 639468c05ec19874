package dev.driftwatch.examples.docs;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An {@code http} block of the docs: a request as a reader would send it to the demo's service
 * ({@code METHOD /path}, header lines, a blank line, the body), optionally followed by the next
 * {@code http} block holding the expected answer ({@code HTTP/1.1 STATUS}, header lines, a blank
 * line, the body as a {@link JsonTemplate}). Without an answer block, any 2xx is expected.
 *
 * @param method the method
 * @param target the path and query
 * @param headers the request's headers, in order
 * @param body the request body, or ""
 */
record HttpExample(String method, String target, Map<String, String> headers, String body) {

    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * An expected answer.
     *
     * @param status the status
     * @param headers the headers it must carry
     * @param body the body template, or ""
     */
    record Answer(int status, Map<String, String> headers, String body) {}

    /**
     * Parses a request block.
     *
     * @param text the block's content
     * @return the request
     * @throws IllegalArgumentException when the first line is not {@code METHOD /path}
     */
    static HttpExample parseRequest(String text) {
        Parts p = split(text);
        String[] first = p.first.split("\\s+");
        if (first.length < 2 || !METHODS.contains(first[0]) || !first[1].startsWith("/")) {
            throw new IllegalArgumentException("an http block starts with METHOD /path, not: " + p.first);
        }
        return new HttpExample(first[0], first[1], p.headers, p.body);
    }

    /**
     * Tells whether a block is an answer ({@code HTTP/1.1 200 ...}).
     *
     * @param text the block's content
     * @return true for an answer
     */
    static boolean isAnswer(String text) {
        return text.stripLeading().startsWith("HTTP/");
    }

    /**
     * Parses an answer block.
     *
     * @param text the block's content
     * @return the answer
     */
    static Answer parseAnswer(String text) {
        Parts p = split(text);
        String[] first = p.first.split("\\s+");
        return new Answer(Integer.parseInt(first[1]), p.headers, p.body);
    }

    private record Parts(String first, Map<String, String> headers, String body) {}

    private static Parts split(String text) {
        List<String> lines = new ArrayList<>(List.of(text.strip().split("\n", -1)));
        String first = lines.remove(0).strip();
        Map<String, String> headers = new LinkedHashMap<>();
        int i = 0;
        for (; i < lines.size() && !lines.get(i).isBlank(); i++) {
            String h = lines.get(i);
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("not a header line: " + h);
            }
            headers.put(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
        }
        String body = i < lines.size() ? String.join("\n", lines.subList(i + 1, lines.size())).strip() : "";
        return new Parts(first, headers, body);
    }

    /**
     * The service's answer.
     *
     * @param status the status
     * @param headers the headers (lower-case names, first values)
     * @param body the body text
     */
    record Response(int status, Map<String, String> headers, String body) {}

    /**
     * Sends the request to the service.
     *
     * @param baseUrl the service's base URL
     * @param ids the generated ids learnt so far
     * @return the answer
     */
    Response send(String baseUrl, JsonTemplate.Ids ids) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + ids.apply(target)))
                .timeout(Duration.ofSeconds(60));
        headers.forEach((k, v) -> {
            String name = k.toLowerCase(Locale.ROOT);
            if (!name.equals("host") && !name.equals("content-length")) {
                b.header(k, v);
            }
        });
        b.method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Map<String, String> h = new LinkedHashMap<>();
            r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.get(0)));
            return new Response(r.statusCode(), h, r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + target + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Lists where a real answer differs from the expected one.
     *
     * @param expected the answer shown in the docs, or null (then any 2xx)
     * @param real the real answer
     * @param ids where generated ids are remembered
     * @return the differences
     */
    static List<String> differences(Answer expected, Response real, JsonTemplate.Ids ids) {
        List<String> out = new ArrayList<>();
        if (expected == null) {
            if (real.status() / 100 != 2) {
                out.add("status " + real.status() + " where the docs show no answer (so a 2xx is expected): " + real.body());
            }
            return out;
        }
        if (real.status() != expected.status()) {
            out.add("status " + real.status() + ", the docs show " + expected.status() + ": " + real.body());
            return out;
        }
        expected.headers().forEach((k, v) -> {
            String got = real.headers().get(k.toLowerCase(Locale.ROOT));
            if (got == null) {
                out.add("no header " + k);
            } else if (k.equalsIgnoreCase("content-type") ? !got.startsWith(v) : !ids.apply(v).equals(got)
                    && !(k.equalsIgnoreCase("location") && learnLocation(v, got, ids))) {
                out.add("header " + k + ": " + got + ", the docs show " + v);
            }
        });
        if (!expected.body().isEmpty()) {
            Object real1;
            try {
                real1 = JsonTemplate.parse(real.body());
            } catch (IllegalArgumentException e) {
                out.add("the answer is not JSON: " + real.body());
                return out;
            }
            out.addAll(JsonTemplate.differences(JsonTemplate.parse(expected.body()), real1, ids));
        }
        return out;
    }

    /** A Location header that differs only in its last (numeric) segment: remember that id. */
    private static boolean learnLocation(String shown, String real, JsonTemplate.Ids ids) {
        int a = shown.lastIndexOf('/');
        int b = real.lastIndexOf('/');
        if (a < 0 || b < 0 || !real.endsWith(shown.substring(0, a + 1) + real.substring(b + 1))
                || !shown.substring(a + 1).matches("\\d+") || !real.substring(b + 1).matches("\\d+")) {
            return false;
        }
        ids.learn(Long.parseLong(shown.substring(a + 1)), Long.parseLong(real.substring(b + 1)));
        return true;
    }
}
