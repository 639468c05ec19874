package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.harness.ApiClient;
import dev.driftwatch.monitor.support.Payloads;
import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON bodies must be UTF-8 (RFC 8259): a body in UTF-16 or UTF-32 (with or without a byte order mark,
 * sent as it is or gzipped) and a JSON request declaring another charset are answered 415 on the
 * ingestion API and on the other JSON endpoints, and nothing of them is stored. Before, Jackson detected
 * UTF-16 by itself and decoded a lone surrogate as U+FFFD: a run named {@code \uD800ok} was stored as
 * {@code "\uFFFDk"}, answered 201.
 */
class JsonEncodingTest extends ServiceTestBase {

    private static final String P = ServiceTest.PROJECT;

    @Test
    void aRunInUtf16OrUtf32IsRefusedAndNothingIsStored() {
        ObjectNode run = Payloads.run("lora", 1000, 10);
        run.put("name", "café");
        String text = run.toString();
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("UTF-16BE", text.getBytes(StandardCharsets.UTF_16BE));
        bodies.put("UTF-16LE", text.getBytes(StandardCharsets.UTF_16LE));
        bodies.put("UTF-16 with a byte order mark", text.getBytes(StandardCharsets.UTF_16));
        bodies.put("UTF-16LE with a byte order mark", withBom(text, StandardCharsets.UTF_16LE, 0xFF, 0xFE));
        bodies.put("UTF-32BE", text.getBytes(Charset.forName("UTF-32BE")));
        bodies.put("UTF-32LE", text.getBytes(Charset.forName("UTF-32LE")));
        bodies.put("UTF-16BE with a lone surrogate", loneSurrogate(text));
        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
            for (boolean gzip : new boolean[] {false, true}) {
                String runKey = uniqueRunKey("enc");
                ApiClient.Answer a = api().send("PUT", runPath(runKey), "application/json", body.getValue(), gzip);
                assertThat(a.status()).as(body.getKey() + (gzip ? ", gzipped: " : ": ") + a.text()).isEqualTo(415);
                assertThat(a.contentType()).startsWith("application/problem+json");
                assertThat(a.json().get("errors").get(0).get("field").stringValue()).isEqualTo("body");
                assertThat(a.text()).contains("UTF-8");
                assertThat(api().get(runPath(runKey)).status()).as("stored after " + body.getKey()).isEqualTo(404);
            }
        }
    }

    @Test
    void aDeclaredCharsetOtherThanUtf8IsRefusedAndUtf8IsNot() {
        ObjectNode run = Payloads.run("lora", 1000, 10);
        run.put("name", "café");
        byte[] utf8 = run.toString().getBytes(StandardCharsets.UTF_8);
        for (String type : new String[] {"application/json; charset=ISO-8859-1", "application/json;charset=utf-16",
            "application/json; charset=\"windows-1252\""}) {
            String runKey = uniqueRunKey("charset");
            ApiClient.Answer a = api().send("PUT", runPath(runKey), type, utf8, false);
            assertThat(a.status()).as(type + ": " + a.text()).isEqualTo(415);
            assertThat(a.json().get("errors").get(0).get("field").stringValue()).isEqualTo("Content-Type");
            assertThat(api().get(runPath(runKey)).status()).isEqualTo(404);
        }
        for (String type : new String[] {"application/json", "application/json; charset=utf-8",
            "application/json; charset=\"UTF-8\""}) {
            String runKey = uniqueRunKey("charset");
            ApiClient.Answer a = api().send("PUT", runPath(runKey), type, utf8, false);
            assertThat(a.status()).as(type + ": " + a.text()).isEqualTo(201);
            assertThat(api().get(runPath(runKey)).json().get("name").stringValue()).isEqualTo("café");
        }
        // a UTF-8 byte order mark may be ignored (RFC 8259): it is
        String runKey = uniqueRunKey("bom");
        byte[] bom = ByteBuffer.allocate(utf8.length + 3).put(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF})
                .put(utf8).array();
        ApiClient.Answer a = api().send("PUT", runPath(runKey), "application/json", bom, false);
        assertThat(a.status()).as(a.text()).isEqualTo(201);
        assertThat(api().get(runPath(runKey)).json().get("name").stringValue()).isEqualTo("café");
    }

    @Test
    void theOtherJsonEndpointsRefuseUtf16Too() {
        String rule = "{\"name\": \"enc\", \"condition\": {\"type\": \"flag\"}}";
        String path = "/api/v1/projects/" + P + "/alert-rules";
        ApiClient.Answer a = api().send("POST", path, "application/json", rule.getBytes(StandardCharsets.UTF_16LE),
                false);
        assertThat(a.status()).as(a.text()).isEqualTo(415);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(api().get(path).text()).doesNotContain("\"enc\"");
        ApiClient.Answer latin = api().send("POST", path, "application/json; charset=ISO-8859-1",
                rule.getBytes(StandardCharsets.UTF_8), false);
        assertThat(latin.status()).as(latin.text()).isEqualTo(415);
        // a Content-Encoding header skipped the first-bytes check (the body is checked once inflated), but only
        // ingestion inflates: elsewhere Jackson read the raw UTF-16 and stored the lone surrogate as U+FFFD
        String settings = "/api/v1/projects/" + P + "/settings";
        String before = api().get("/api/v1/projects/" + P).text();
        for (String encoding : new String[] {"gzip", "x-anything", "deflate"}) {
            byte[] utf16 = loneSurrogate(rule.replace("enc", "café"));
            ApiClient.Answer encoded = api().send("POST", path, "application/json", utf16, false, encoding);
            assertThat(encoded.status()).as(encoding + ": " + encoded.text()).isEqualTo(415);
            assertThat(encoded.json().get("errors").get(0).get("field").stringValue()).isEqualTo("Content-Encoding");
            ApiClient.Answer gzipped = api().send("PUT", settings, "application/json",
                    "{\"klThreshold\": 0.3}".getBytes(StandardCharsets.UTF_8), true, encoding);
            assertThat(gzipped.status()).as(encoding + ": " + gzipped.text()).isEqualTo(415);
        }
        assertThat(api().get(path).text()).doesNotContain("ok\"").doesNotContain("\"enc\"");
        assertThat(api().get("/api/v1/projects/" + P).text()).isEqualTo(before);
        assertThat(api().send("POST", path, "application/json", rule.getBytes(StandardCharsets.UTF_8), false,
                "identity").status()).isEqualTo(201);
        // and a one-byte body is judged by its one byte: not UTF-16, so the JSON parser says what is wrong
        ApiClient.Answer one = api().send("POST", path, "application/json", new byte[] {'{'}, false);
        assertThat(one.status()).as(one.text()).isEqualTo(400);
    }

    @Test
    void malformedUtf8IsRefusedWith415WhereverItIsAndNothingIsStored() {
        // overlong forms (which Jackson decoded: C1 AB as 'k', C1 81 and E0 81 81 as 'A', C0 80 as U+0000),
        // a code point beyond U+10FFFF (decoded as a surrogate pair, then called a lone surrogate), an encoded
        // surrogate, a stray continuation byte and a character cut short by the end of the body
        Map<String, int[]> malformed = new LinkedHashMap<>();
        malformed.put("overlong 'A' in two bytes", new int[] {0xC1, 0x81});
        malformed.put("overlong 'A' in three bytes", new int[] {0xE0, 0x81, 0x81});
        malformed.put("overlong U+0000", new int[] {0xC0, 0x80});
        malformed.put("beyond U+10FFFF", new int[] {0xF4, 0x90, 0x80, 0x80});
        malformed.put("an encoded surrogate", new int[] {0xED, 0xA0, 0x80});
        malformed.put("a stray continuation byte", new int[] {0x80});
        for (Map.Entry<String, int[]> bad : malformed.entrySet()) {
            for (boolean gzip : new boolean[] {false, true}) {
                String as = bad.getKey() + (gzip ? ", gzipped" : "");
                ObjectNode run = Payloads.run("lora", 1000, 10);
                run.put("name", "over@long");
                String runKey = uniqueRunKey("utf8");
                expectNotUtf8(api().send("PUT", runPath(runKey), "application/json",
                        withBytes(run.toString(), bad.getValue()), gzip), as, offset(run.toString()));
                run.put("name", "tagged");
                run.set("tags", ApiClient.JSON.createArrayNode().add("@"));
                expectNotUtf8(api().send("PUT", runPath(runKey), "application/json",
                        withBytes(run.toString(), bad.getValue()), gzip), "a tag, " + as, -1);
                assertThat(api().get(runPath(runKey)).status()).as("stored after " + as).isEqualTo(404);
            }
        }
        // a body that ends inside a character
        byte[] cut = withBytes("{\"name\": \"x\"}  @", new int[] {0xE2, 0x82});
        expectNotUtf8(api().send("PUT", runPath(uniqueRunKey("utf8")), "application/json", cut, false),
                "cut short", cut.length - 2);

        // the bodies Spring reads: rules and settings
        String rules = "/api/v1/projects/" + P + "/alert-rules";
        String settings = "/api/v1/projects/" + P + "/settings";
        String project = api().get("/api/v1/projects/" + P).text();
        String rule = "{\"name\": \"over@long\", \"condition\": {\"type\": \"flag\"}}";
        expectNotUtf8(api().send("POST", rules, "application/json", withBytes(rule, new int[] {0xC1, 0x81}), false),
                "a rule", offset(rule));
        byte[] threshold = withBytes("{\"@lThreshold\": 0.45}", new int[] {0xC1, 0xAB});
        expectNotUtf8(api().send("PUT", settings, "application/json", threshold, false), "settings", 2);
        byte[] nul = withBytes("{\"klThreshold\": 0.45, \"x\": \"@\"}", new int[] {0xC0, 0x80});
        expectNotUtf8(api().send("PUT", settings, "application/json", nul, false), "settings, U+0000", -1);
        assertThat(api().get(rules).text()).doesNotContain("overAlong");
        assertThat(api().get("/api/v1/projects/" + P).text()).isEqualTo(project);
    }

    /** A 415 problem naming the body as not UTF-8, and the offset of the first malformed byte when known. */
    private static void expectNotUtf8(ApiClient.Answer a, String as, int offset) {
        assertThat(a.status()).as(as + ": " + a.text()).isEqualTo(415);
        assertThat(a.contentType()).startsWith("application/problem+json");
        assertThat(a.json().get("errors").get(0).get("field").stringValue()).isEqualTo("body");
        // not what the decoded text would be blamed for (U+0000, a lone surrogate)
        assertThat(a.text()).as(as).contains("not UTF-8").doesNotContain("U+0000").doesNotContain("lone");
        if (offset >= 0) {
            assertThat(a.text()).as(as).contains("byte offset " + offset);
        }
    }

    /** UTF-8 text with its one '@' replaced by the given bytes. */
    private static byte[] withBytes(String text, int[] bytes) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        int at = offset(text);
        ByteBuffer b = ByteBuffer.allocate(t.length - 1 + bytes.length).put(t, 0, at);
        for (int x : bytes) {
            b.put((byte) x);
        }
        return b.put(t, at + 1, t.length - at - 1).array();
    }

    /** The byte offset of a text's '@' in UTF-8 (the text before it is ASCII). */
    private static int offset(String text) {
        return text.indexOf('@');
    }

    private static String runPath(String runKey) {
        return "/api/v1/projects/" + P + "/runs/" + runKey;
    }

    private static byte[] withBom(String text, Charset charset, int b0, int b1) {
        byte[] t = text.getBytes(charset);
        return ByteBuffer.allocate(t.length + 2).put((byte) b0).put((byte) b1).put(t).array();
    }

    /** UTF-16BE with the name's first character replaced by an unpaired high surrogate. */
    private static byte[] loneSurrogate(String text) {
        byte[] b = text.replace("café", "Xok").getBytes(StandardCharsets.UTF_16BE);
        byte[] x = "X".getBytes(StandardCharsets.UTF_16BE);
        for (int i = 0; i + 1 < b.length; i += 2) {
            if (b[i] == x[0] && b[i + 1] == x[1]) {
                b[i] = (byte) 0xD8;
                b[i + 1] = 0x00;
                break;
            }
        }
        return b;
    }
}
