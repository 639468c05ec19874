package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.ServiceTest;
import dev.driftwatch.monitor.support.ServiceTestBase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Tomcat refuses before a request reaches the service — an encoded NUL or a malformed %-escape in
 * the path — is a 400 problem+json like every other error, not Tomcat's HTML page; errors the service
 * answers keep their own problem.
 */
class RefusedByServerTest extends ServiceTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/projects/a%00b/runs", "/a%00b", "/api/v1/projects/%zz/runs", "/projects/%zz"})
    void aPathTomcatCannotReadIsAProblemNotAnHtmlPage(String path) throws IOException {
        String answer = get(path);
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).isEqualTo(ProblemErrorReportValve.body(400))
                .contains("\"type\":\"https://driftwatch.dev/problems/refused-by-server\"", "\"status\":400");
    }

    @Test
    void anErrorTheServiceAnswersKeepsItsOwnProblem() throws IOException {
        String answer = get("/api/v1/projects/demo/runs?q=a%00b");
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(body(answer)).contains("\"field\":\"q\"").doesNotContain("refused-by-server");
    }

    /** Where Tomcat would answer 501 (RFC 9112 says it should), a client's mistake still gets a 4xx. */
    @Test
    void aConnectIsMethodNotAllowedNotNotImplemented() throws IOException {
        String answer = send("CONNECT /api/v1/contract HTTP/1.1\r\nHost: localhost\r\n");
        assertThat(answer).startsWith("HTTP/1.1 405");
        assertThat(head(answer)).contains("content-type: application/problem+json",
                "allow: " + ProblemErrorReportValve.ALLOWED_METHODS.toLowerCase(Locale.ROOT));
        assertThat(body(answer)).isEqualTo(ProblemErrorReportValve.body(405));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /api/v1/contract HTTP/1.1\r\nTransfer-Encoding: gzip\r\n",
        "PUT /api/v1/projects/demo/runs/r1 HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n",
        "GET /api/v1/contract HTTP/2.0\r\n"})
    void anUnknownTransferCodingOrVersionIsABadRequest(String head) throws IOException {
        String answer = send(head + "Host: localhost\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).isEqualTo(ProblemErrorReportValve.body(400)).contains("transfer coding");
    }

    /**
     * What the security filter chain's firewall rejects (a method it does not know) and what the web
     * server does not serve (TRACE) goes through the error page: problem+json too, not Spring Boot's JSON.
     */
    @ParameterizedTest
    @ValueSource(strings = {"PROPFIND", "FOO", "TRACE"})
    void aMethodRefusedBeforeTheApiIsAProblem(String method) throws IOException {
        String answer = send(method + " /api/v1/contract HTTP/1.1\r\nHost: localhost\r\n");
        int status = "TRACE".equals(method) ? 405 : 400;
        assertThat(answer).startsWith("HTTP/1.1 " + status);
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).contains("\"type\":\"https://driftwatch.dev/problems/http-" + status + "\"",
                "\"status\":" + status).doesNotContain("timestamp", "/api/v1/contract");
        if (status == 405) {
            assertThat(head(answer)).contains("allow: ");
        }
    }

    /**
     * A head longer than the web server reads (8 KiB by default, request line and header fields together) is
     * refused by Tomcat with a bare 400; it is a 431 (or a 414 where the request line alone did not fit) that
     * says the limit and the property that sets it.
     */
    @Test
    void headerFieldsLargerThanTheServerReadsAreA431SayingTheLimit() throws IOException {
        String answer = send("GET /api/v1/contract HTTP/1.1\r\nHost: localhost\r\nX-Large: " + "a".repeat(64 * 1024)
                + "\r\n");
        assertThat(answer).startsWith("HTTP/1.1 431");
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).isEqualTo(ProblemErrorReportValve.body(431, 8192))
                .contains("\"status\":431", "header fields", "8192 bytes", "server.max-http-request-header-size");
        // just within the limit it reaches the service (which asks for a token)
        assertThat(send("GET /api/v1/contract HTTP/1.1\r\nHost: localhost\r\nX-Large: " + "a".repeat(7 * 1024)
                + "\r\n")).startsWith("HTTP/1.1 401").doesNotContain("refused-by-server");
    }

    @Test
    void aRequestLineLongerThanTheServerReadsIsA414SayingTheLimit() throws IOException {
        String answer = get("/api/v1/contract?q=" + "a".repeat(64 * 1024));
        assertThat(answer).startsWith("HTTP/1.1 414");
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).isEqualTo(ProblemErrorReportValve.body(414, 8192)).contains("request line", "8192 bytes");
    }

    /**
     * A header value the security filter chain's firewall refuses (a control character: a C1 byte, or a byte
     * of a UTF-8 character such as U+FF11, which the web server reads as ISO-8859-1) is only found when the API
     * reads that header; it is a 400 naming the header, not a 500, and the request writes nothing.
     */
    @ParameterizedTest
    @CsvSource({"PUT,'',Driftwatch-Contract,\u0085,U+0085", "PUT,'',Driftwatch-Contract,\u00ef\u00bc\u0091.1,U+0091",
        "PUT,'',Content-Encoding,\u0085,U+0085", "POST,/checkpoints,Content-Encoding,\u0085,U+0085",
        "POST,/finish,Content-Encoding,\u0085,U+0085", "POST,/finish,Driftwatch-Contract,\u0085,U+0085"})
    void aHeaderValueTheFirewallRefusesIsA400NamingTheHeader(String method, String endpoint, String header,
            String value, String character) throws IOException {
        String run = uniqueRunKey("firewall");
        String body = "{}";
        String answer = send(method + " /api/v1/projects/" + ServiceTest.PROJECT + "/runs/" + run + endpoint
                + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ServiceTest.TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n" + header + ": "
                + value + "\r\n", body);
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(head(answer)).contains("content-type: application/problem+json");
        assertThat(body(answer)).contains("\"field\":\"" + header + "\"", character).doesNotContain("internal");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM run WHERE run_key = ?", Long.class, run)).isZero();
    }

    @Test
    void aBrowserStillGetsTheErrorPage() throws IOException {
        String answer = send("FOO /runs HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400");
        assertThat(head(answer)).contains("content-type: text/html");
    }

    /** A raw GET: Java's URI refuses the malformed escapes this test sends. */
    private String get(String path) throws IOException {
        return send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n");
    }

    /** Sends a request head (request line and headers, each line ended by CRLF), and reads the whole answer. */
    private String send(String head) throws IOException {
        return send(head, "");
    }

    /**
     * Sends a request head and a body, each character as one byte (ISO-8859-1, as the web server reads a
     * header), and reads the whole answer.
     */
    private String send(String head, String body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "Connection: close\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    private static String head(String answer) {
        return answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
    }

    private static String body(String answer) {
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        // a chunked body: the JSON between the chunk size line and the final chunk
        int open = body.indexOf('{');
        int close = body.lastIndexOf('}');
        return open < 0 ? body : body.substring(open, close + 1);
    }
}
