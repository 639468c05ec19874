package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.problem.JsonProblems;
import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The generated bad-input suite: every write endpoint of the API and every query parameter (and
 * path segment) of the API and the UI, with every property name and string value of a valid body
 * holding a NUL, another control character or a lone surrogate (at the start, inside and at the
 * end), every number replaced by values outside what its column or arithmetic can hold, and every
 * time by dates PostgreSQL cannot store. Tens of thousands of requests against one shared service,
 * sent by a few client threads; each must be a 4xx {@code application/problem+json} naming the field,
 * and at the end the project holds exactly what it held before.
 */
class GeneratedBadInputTest extends ServiceTestBase {

    /** Text PostgreSQL cannot store (NUL, lone surrogates) or that corrupts logs and pages (controls). */
    static final List<String> BAD_TEXT = List.of("\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c",
            "\u001b[31m", "\u001f", "\u007f", "\u0085", "\u009f", "\ud800", "\udbff", "\udc00", "\udfff", "\udc00\ud800",
            "\ud83d", "\ude00");
    /** Of {@link #BAD_TEXT}, what a URL can carry (a lone surrogate has no UTF-8 form). */
    static final List<String> BAD_URL_TEXT = BAD_TEXT.stream()
            .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c))).toList();
    /** Integers no integer field accepts: beyond a bigint, negative, fractional. */
    static final List<String> BAD_INTEGERS = List.of("9223372036854775808", "-9223372036854775809",
            "99999999999999999999999999", "-1", "1.5", "1e400", "-1e400");
    /** Numbers no floating-point field accepts: they parse as infinities, or as 0 though they are not. */
    static final List<String> BAD_FLOATS = List.of("1e400", "-1e400", "1e999999", "-2e308", "1e-400", "-1e-400",
            "2e-324", "1e-999999");
    /** Times PostgreSQL (through the driver) cannot store, or that are not times at all. */
    static final List<String> BAD_TIMES = List.of("+10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
            "-4714-01-01T00:00:00Z", "-0001-12-31T00:00:00Z", "+999999999-12-31T23:59:59Z",
            "+294277-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-27T25:00:00Z",
            "2026-11-27", "yesterday");

    private static final String MARK = "\"@@BAD@@\"";

    /** One request and the field its answer must name (null: any). */
    record Case(String name, String method, String path, byte[] body, boolean gzip, String field) {}

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    @Timeout(900)
    void tensOfThousandsOfBadRequestsAreFourHundredsNamingTheFieldAndWriteNothing() throws Exception {
        OwnProject own = newProject("badgen");
        String runKey = "seeded";
        String base = "/api/v1/projects/" + own.key();
        assertThat(own.api().putRun(own.key(), runKey, Payloads.run("full", 1000, 1000)).status()).isEqualTo(201);
        ApiClient.Answer rule = own.api().json("POST", base + "/alert-rules", ruleBody().toString());
        assertThat(rule.status()).as(rule.text()).isEqualTo(201);
        long ruleId = rule.json().get("id").longValue();
        String before = snapshot(own.key());

        List<Case> cases = new ArrayList<>();
        String run = base + "/runs/" + runKey;
        cases.addAll(bodyCases("PUT " + run, "PUT", run, Payloads.run("full", 1000, 1000), true));
        ObjectNode batch = Payloads.batch(Payloads.checkpoint(1, 0.1), Payloads.fullCheckpoint(7, 0.4, 0.5));
        cases.addAll(bodyCases("POST checkpoints", "POST", run + "/checkpoints", batch, true));
        ObjectNode finish = ApiClient.JSON.createObjectNode().put("status", "finished").put("endedAt", "2026-11-27T09:00:00Z")
                .put("runKey", runKey);
        cases.addAll(bodyCases("POST finish", "POST", run + "/finish", finish, true));
        ObjectNode settings = ApiClient.JSON.createObjectNode().put("trainableFractionThreshold", 0.2).put("klThreshold", 0.4)
                .put("driftFactor", 2.0).put("lossTolerance", 0.2);
        cases.addAll(bodyCases("PUT settings", "PUT", base + "/settings", settings, false));
        cases.addAll(bodyCases("POST rule", "POST", base + "/alert-rules", ruleBody(), false));
        cases.addAll(bodyCases("PUT rule", "PUT", base + "/alert-rules/" + ruleId, ruleBody(), false));
        cases.addAll(queryCases(base, own.key(), runKey, ruleId));

        long t0 = System.nanoTime();
        List<String> failures = runAll(cases, own.token());
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("GeneratedBadInputTest: %d bad requests in %.1f s (%.0f/s)%n", cases.size(), seconds,
                cases.size() / seconds);
        assertThat(failures).as("%d of %d cases failed", failures.size(), cases.size()).isEmpty();
        assertThat(cases.size()).isGreaterThanOrEqualTo(20_000);
        assertThat(snapshot(own.key())).as("nothing written").isEqualTo(before);
    }

    /** Everything the project holds, as text: runs, checkpoints, tensors, rules, alerts, settings. */
    private String snapshot(String projectKey) {
        long id = jdbc.queryForObject("SELECT id FROM project WHERE project_key = ?", Long.class, projectKey);
        return String.join("\n",
                jdbc.queryForList("SELECT row_to_json(p)::text FROM project p WHERE id = ?", String.class, id)
                        .toString(),
                jdbc.queryForList("SELECT row_to_json(r)::text FROM run r WHERE project_id = ? ORDER BY id",
                        String.class, id).toString(),
                jdbc.queryForList("SELECT count(*)::text FROM checkpoint c JOIN run r ON r.id = c.run_id"
                        + " WHERE r.project_id = ?", String.class, id).toString(),
                jdbc.queryForList("SELECT count(*)::text FROM run_tensor t JOIN run r ON r.id = t.run_id"
                        + " WHERE r.project_id = ?", String.class, id).toString(),
                jdbc.queryForList("SELECT row_to_json(a)::text FROM alert_rule a WHERE project_id = ? ORDER BY id",
                        String.class, id).toString());
    }

    static ObjectNode ruleBody() {
        ObjectNode r = ApiClient.JSON.createObjectNode();
        r.put("name", "KL above 0.5");
        r.put("enabled", true);
        r.put("severity", "warning");
        r.putObject("scope").put("tag", "demo").put("run", "seeded");
        ObjectNode c = r.putObject("condition");
        c.put("type", "threshold").put("metric", "kl_base_ft").put("aggregate", "mean").put("slice", "on-task")
                .put("op", "above").put("threshold", 0.5).put("ciAware", true);
        r.put("for", 3);
        r.put("keepFiringFor", 2);
        r.put("repeatInterval", "PT4H");
        r.putArray("channels").addObject().put("type", "log");
        return r;
    }

    // ---- generation ------------------------------------------------------------------------------

    /** Every name and leaf of a valid body, mutated. */
    private static List<Case> bodyCases(String label, String method, String path, ObjectNode valid,
            boolean gzipToo) {
        List<Case> out = new ArrayList<>();
        walk(valid, "", new ArrayList<>(), (location, wire, leaf) -> {
            // every property name, renamed with bad text at the start, inside and at the end
            if (location.get(location.size() - 1) instanceof String name) {
                for (String bad : BAD_TEXT) {
                    for (String renamed : positions(name, bad)) {
                        ObjectNode copy = valid.deepCopy();
                        ObjectNode parent = (ObjectNode) at(copy, location.subList(0, location.size() - 1));
                        JsonNode value = parent.remove(name);
                        parent.set("@@BADNAME@@", value);
                        byte[] body = copy.toString().replace("\"@@BADNAME@@\"", literal(renamed))
                                .getBytes(StandardCharsets.UTF_8);
                        // a lone surrogate in a name fails the JSON decoder itself: it names the enclosing object
                        String field = renamed.chars().anyMatch(ch -> Character.isSurrogate((char) ch))
                                ? (parentWire(wire).isEmpty() ? "body" : parentWire(wire).substring(0,
                                        parentWire(wire).length() - 1).replaceAll("\\[\\d+]$", ""))
                                : parentWire(wire) + JsonProblems.printable(renamed);
                        out.add(new Case(label + " name " + wire + " <- " + escape(renamed), method, path, body,
                                false, field));
                    }
                }
            }
            if (leaf == null) {
                return;
            }
            List<String> literals = new ArrayList<>();
            if (leaf.isString()) {
                String text = leaf.stringValue();
                for (String bad : BAD_TEXT) {
                    for (String v : positions(text, bad)) {
                        literals.add(literal(v));
                    }
                }
                if (text.matches("\\d{4}-\\d\\d-\\d\\dT.*")) {
                    BAD_TIMES.forEach(t -> literals.add(literal(t)));
                }
            } else if (leaf.isIntegralNumber()) {
                literals.addAll(BAD_INTEGERS);
            } else if (leaf.isNumber()) {
                literals.addAll(BAD_FLOATS);
            }
            for (String lit : literals) {
                ObjectNode copy = valid.deepCopy();
                replace(copy, location, ApiClient.JSON.getNodeFactory().stringNode("@@BAD@@"));
                byte[] body = copy.toString().replace(MARK, lit).getBytes(StandardCharsets.UTF_8);
                out.add(new Case(label + " value " + wire + " = " + escape(lit), method, path, body, false, wire));
            }
        });
        if (gzipToo) {
            List<Case> zipped = new ArrayList<>(out.size());
            for (Case c : out) {
                zipped.add(new Case(c.name() + " (gzip)", c.method(), c.path(), c.body(), true, c.field()));
            }
            out.addAll(zipped);
        }
        return out;
    }

    /** Query parameters and path segments of every GET of the API and of the UI's pages. */
    private static List<Case> queryCases(String base, String project, String runKey, long ruleId) {
        String run = base + "/runs/" + runKey;
        String ui = "/projects/" + project;
        Map<String, List<String>> textParams = new java.util.LinkedHashMap<>();
        textParams.put(base + "/runs", List.of("tag", "method", "status", "flag", "baseFingerprint",
                "probeFingerprint", "q", "sort", "flagged", "ascending", "page", "size"));
        textParams.put(run, List.of("x"));
        textParams.put(run + "/trajectory", List.of("metric", "stat", "from", "to", "points", "ci"));
        textParams.put(run + "/slices", List.of("metric", "stat", "from", "to", "points"));
        textParams.put(run + "/tensors", List.of("step"));
        textParams.put(run + "/tensors/history", List.of("stat", "from", "to", "points"));
        textParams.put(run + "/top-examples", List.of("step"));
        textParams.put(run + "/export.csv", List.of("x"));
        textParams.put(base + "/compare", List.of("runs", "metric", "stat", "from", "to", "points"));
        textParams.put(base + "/alerts", List.of("state", "rule", "run", "limit"));
        textParams.put(base + "/alert-rules", List.of("x"));
        textParams.put(base + "/alert-rules/" + ruleId, List.of("x"));
        textParams.put(base, List.of("x"));
        textParams.put("/api/v1/projects", List.of("x"));
        textParams.put(ui + "/runs", List.of("q", "status", "method", "flag", "tag", "sort", "dir", "page"));
        textParams.put(ui + "/runs/" + runKey, List.of("metric"));
        textParams.put(ui + "/alerts", List.of("open", "run"));
        textParams.put(ui + "/compare", List.of("runs", "metric", "group"));
        textParams.put(ui + "/rules", List.of("x"));
        textParams.put(ui + "/settings", List.of("x"));
        textParams.put(ui + "/tokens", List.of("x"));
        textParams.put("/projects", List.of("x"));
        List<Case> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : textParams.entrySet()) {
            for (String param : e.getValue()) {
                for (String bad : BAD_URL_TEXT) {
                    for (String v : positions(param.equals("metric") ? "task:loss" : "ok", bad)) {
                        out.add(new Case("GET " + e.getKey() + " ?" + param + "=" + escape(v), "GET",
                                e.getKey() + "?" + param + "=" + url(v), null, false, param));
                    }
                    for (String name : positions(param, bad)) {
                        out.add(new Case("GET " + e.getKey() + " ?" + escape(name), "GET",
                                e.getKey() + "?" + url(name) + "=1", null, false, JsonProblems.printable(name)));
                    }
                }
            }
            // the path itself: each segment after the prefix, with bad text
            String[] segments = e.getKey().split("/");
            for (int i = 1; i < segments.length; i++) {
                if (segments[i].equals("api") || segments[i].equals("v1")) {
                    continue;
                }
                for (String bad : BAD_URL_TEXT) {
                    for (String v : positions(segments[i], bad)) {
                        String[] copy = segments.clone();
                        copy[i] = url(v).replace("+", "%20");
                        out.add(new Case("GET path " + e.getKey() + " [" + i + "] " + escape(v), "GET",
                                String.join("/", copy), null, false, "path"));
                    }
                }
            }
        }
        Map<String, List<String>> numberParams = new java.util.LinkedHashMap<>();
        numberParams.put(base + "/runs", List.of("page", "size"));
        numberParams.put(run + "/trajectory", List.of("from", "to", "points"));
        numberParams.put(run + "/slices", List.of("from", "to", "points"));
        numberParams.put(run + "/tensors", List.of("step"));
        numberParams.put(run + "/tensors/history", List.of("from", "to", "points"));
        numberParams.put(run + "/top-examples", List.of("step"));
        numberParams.put(base + "/compare?runs=" + runKey, List.of("from", "to", "points"));
        numberParams.put(base + "/alerts", List.of("rule", "limit"));
        // (an empty value means "not given"; hexadecimal, inner white space and non-ASCII digits, which
        // Spring's own conversion reads as numbers, are not decimal)
        List<String> badNumbers = List.of("9223372036854775808", "-9223372036854775809", "1.5", "1e3", "abc",
                "--1", "NaN", "Infinity", "1_000", "1L", "0b1", "0x10", "0X10", "%2310", "-0x1", "1%200", "%201",
                "%D9%A1", "%EF%BC%91");
        for (Map.Entry<String, List<String>> e : numberParams.entrySet()) {
            for (String param : e.getValue()) {
                for (String v : badNumbers) {
                    String sep = e.getKey().contains("?") ? "&" : "?";
                    out.add(new Case("GET " + e.getKey() + " number " + param + "=" + v, "GET",
                            e.getKey() + sep + param + "=" + v, null, false, param));
                }
            }
        }
        // numbers valid on their own whose product or range is not
        for (String[] pair : new String[][] {{"21474837", "100"}, {"2147483647", "2"}, {"1073741824", "2"},
                {"2147483647", "100"}}) {
            out.add(new Case("GET runs page " + pair[0] + " size " + pair[1], "GET",
                    base + "/runs?page=" + pair[0] + "&size=" + pair[1], null, false, "page"));
        }
        for (String p : List.of("-1", "0", "3", "2147483647", "-2147483648", "100001")) {
            out.add(new Case("GET trajectory points " + p, "GET", run + "/trajectory?points=" + p, null, false,
                    "points"));
        }
        for (String p : List.of("-1", "0", "2147483647", "-2147483648", "100001")) {
            out.add(new Case("GET alerts limit " + p, "GET", base + "/alerts?limit=" + p, null, false, "limit"));
        }
        for (String p : List.of("-1", "0", "-9223372036854775808", "9223372036854775808", "abc", "1.5")) {
            out.add(new Case("GET alerts before " + p, "GET", base + "/alerts?state=all&before=" + p, null, false,
                    "before"));
        }
        // ids in the path: the rule exists, and none of these may reach it (0x1 used to act on rule 1)
        String hex = Long.toHexString(ruleId);
        for (String id : List.of("0x" + hex, "0X" + hex, "%23" + hex, "%2B0x" + hex, ruleId + "%20",
                "%20" + ruleId, fullWidth(ruleId), ruleId + ".0", ruleId + "L")) {
            String rule = base + "/alert-rules/" + id;
            out.add(new Case("GET rule id " + id, "GET", rule, null, false, "ruleId"));
            out.add(new Case("DELETE rule id " + id, "DELETE", rule, null, false, "ruleId"));
            out.add(new Case("PUT rule id " + id, "PUT", rule, ruleBody().toString().getBytes(StandardCharsets.UTF_8),
                    false, "ruleId"));
            out.add(new Case("GET alert id " + id, "GET", base + "/alerts/" + id, null, false, "alertId"));
        }
        return out;
    }

    /** The id in full-width digits ({@code Long.parseLong} reads them), URL-encoded. */
    private static String fullWidth(long id) {
        StringBuilder out = new StringBuilder();
        for (char c : String.valueOf(id).toCharArray()) {
            out.append(url(String.valueOf((char) (0xFF10 + c - '0'))));
        }
        return out.toString();
    }

    private static List<String> positions(String text, String bad) {
        String t = text.isEmpty() ? "x" : text;
        int mid = t.length() / 2;
        if (mid > 0 && mid < t.length() && Character.isLowSurrogate(t.charAt(mid))) {
            mid++;
        }
        return List.of(bad + t, t.substring(0, mid) + bad + t.substring(mid), t + bad);
    }

    /** A JSON string literal with every control character and surrogate escaped as \\uXXXX. */
    static String literal(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '"' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static String escape(String s) {
        return literal(s);
    }

    private static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String parentWire(String wire) {
        int dot = wire.lastIndexOf('.');
        return dot < 0 ? "" : wire.substring(0, dot + 1);
    }

    /** Visits every property (with its value when that is a leaf) and every array element leaf. */
    private interface Visitor {
        void visit(List<Object> location, String wire, JsonNode leaf);
    }

    private static void walk(JsonNode node, String wire, List<Object> location, Visitor visitor) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                List<Object> loc = new ArrayList<>(location);
                loc.add(e.getKey());
                String w = wire.isEmpty() ? e.getKey() : wire + "." + e.getKey();
                JsonNode v = e.getValue();
                visitor.visit(loc, w, v.isContainer() ? null : v);
                if (v.isContainer()) {
                    walk(v, w, loc, visitor);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                List<Object> loc = new ArrayList<>(location);
                loc.add(i);
                String w = wire + "[" + i + "]";
                JsonNode v = node.get(i);
                if (v.isContainer()) {
                    walk(v, w, loc, visitor);
                } else {
                    visitor.visit(loc, w, v);
                }
            }
        }
    }

    private static JsonNode at(JsonNode root, List<Object> location) {
        JsonNode n = root;
        for (Object step : location) {
            n = step instanceof String s ? n.get(s) : n.get((Integer) step);
        }
        return n;
    }

    private static void replace(JsonNode root, List<Object> location, JsonNode value) {
        JsonNode parent = at(root, location.subList(0, location.size() - 1));
        Object last = location.get(location.size() - 1);
        if (last instanceof String s) {
            ((ObjectNode) parent).set(s, value);
        } else {
            ((ArrayNode) parent).set((Integer) last, value);
        }
    }

    // ---- running ----------------------------------------------------------------------------------

    private List<String> runAll(List<Case> cases, String token) throws InterruptedException {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < cases.size(); i = next.getAndIncrement()) {
                    Case c = cases.get(i);
                    try {
                        String why = check(c, token);
                        if (why != null && failures.size() < 200) {
                            failures.add(c.name() + ": " + why);
                        }
                    } catch (RuntimeException e) {
                        failures.add(c.name() + ": " + e);
                    }
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(14, TimeUnit.MINUTES)).isTrue();
        List<String> out = new ArrayList<>(failures);
        Collections.sort(out);
        return out;
    }

    /** Sends one case; returns what is wrong with the answer, or null. */
    private String check(Case c, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port() + c.path()))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (c.body() == null) {
            b.method(c.method(), HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json");
            byte[] body = c.body();
            if (c.gzip()) {
                b.header("Content-Encoding", "gzip");
                body = ApiClient.gzip(body);
            }
            b.method(c.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        if (r.statusCode() < 400 || r.statusCode() > 499) {
            return "status " + r.statusCode() + ": " + abbreviate(r.body());
        }
        if ("path".equals(c.field()) && c.path().contains("%00")) {
            return null; // Tomcat refuses an encoded NUL in the path itself (a plain 400) before any filter
        }
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("application/problem+json")) {
            return "content type '" + type + "' (" + r.statusCode() + "): " + abbreviate(r.body());
        }
        JsonNode problem = ApiClient.JSON.readTree(r.body());
        if (problem.path("status").intValue() != r.statusCode() || problem.path("detail").asString("").isBlank()) {
            return "not a problem answer: " + abbreviate(r.body());
        }
        if (c.field() != null) {
            List<String> fields = new ArrayList<>();
            problem.path("errors").forEach(e -> fields.add(e.path("field").asString("")));
            boolean named = fields.stream().anyMatch(f -> f.equals(c.field()) || !f.isEmpty() && !f.equals("body")
                    && (f.startsWith(c.field()) || c.field().startsWith(f)));
            if (!named) {
                return "does not name " + c.field() + ": " + abbreviate(r.body());
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
