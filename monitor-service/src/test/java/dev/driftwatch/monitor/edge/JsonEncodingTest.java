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
