package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.coyote.ProtocolHandler;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.apache.tomcat.util.res.StringManager;

/**
 * Tomcat's error report for what it refuses itself, before a request reaches the service (an encoded
 * NUL or a malformed %-escape in the path, a bad request line, a CONNECT, an unknown transfer coding):
 * a problem+json body like every other error of the API instead of Tomcat's HTML page, and a 4xx
 * where Tomcat would answer 501. A request line or header section longer than the connector reads
 * ({@code server.max-http-request-header-size}), which Tomcat answers with a bare 400, is a 414 (the request
 * line did not fit) or a 431 (the header fields did not), saying the limit. Errors the service answers have a
 * body already and are left alone.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {

    private static final int BAD_REQUEST = 400;
    private static final int METHOD_NOT_ALLOWED = 405;
    private static final int URI_TOO_LONG = 414;
    private static final int HEADER_FIELDS_TOO_LARGE = 431;
    private static final int NOT_IMPLEMENTED = 501;
    private static final int VERSION_NOT_SUPPORTED = 505;
    /** The methods the API serves (each path allows some of them). */
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    /**
     * The message of the exception Tomcat's HTTP/1.1 input buffer throws when a request's head outgrows it, in
     * the language Tomcat's own messages use (the JVM's default locale): how that case is told from other 400s.
     */
    private static final String HEAD_TOO_LARGE =
            StringManager.getManager("org.apache.coyote.http11").getString("iib.requestheadertoolarge.error");

    /** Creates the valve (Tomcat may also create it by class name). */
    public ProblemErrorReportValve() {
        super();
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        if (status == NOT_IMPLEMENTED || status == VERSION_NOT_SUPPORTED) {
            // Tomcat answers 501 to a CONNECT and to a transfer coding it does not know, 505 to a request
            // line of another HTTP version (as RFC 9110 and 9112 say it should); here bad input gets a 4xx,
            // so that no client's mistake reads as a server fault
            status = "CONNECT".equals(request.getMethod()) ? METHOD_NOT_ALLOWED : BAD_REQUEST;
            response.setStatus(status);
            if (status == METHOD_NOT_ALLOWED) {
                response.setHeader("Allow", ALLOWED_METHODS);
            }
        }
        int limit = -1;
        if (status == BAD_REQUEST && throwable instanceof IllegalArgumentException
                && HEAD_TOO_LARGE.equals(throwable.getMessage())) {
            // a request line that did not fit leaves no request target behind
            status = request.getCoyoteRequest().requestURI().isNull() ? URI_TOO_LONG : HEADER_FIELDS_TOO_LARGE;
            response.setStatus(status);
            limit = headLimit(request);
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body(status, limit));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone, or the response was committed meanwhile: nothing left to tell
        }
    }

    /** The connector's limit on a request's line and header fields together, in bytes, or -1 where unknown. */
    private static int headLimit(Request request) {
        ProtocolHandler handler = request.getConnector() == null ? null : request.getConnector().getProtocolHandler();
        return handler instanceof AbstractHttp11Protocol<?> http ? http.getMaxHttpRequestHeaderSize() : -1;
    }

    /** The problem document; fixed texts only, nothing of the request is echoed. */
    static String body(int status) {
        return body(status, -1);
    }

    /**
     * The problem document, with the limit on a request's head for a 414 or a 431; fixed texts and that number
     * only, nothing of the request is echoed.
     */
    static String body(int status, int limit) {
        String within = limit > 0 ? " (" + limit + " bytes for the request line and header fields together:"
                + " server.max-http-request-header-size)" : " (server.max-http-request-header-size)";
        String detail = switch (status) {
            case URI_TOO_LONG -> "the web server refused the request before it reached driftwatch: its request line"
                    + " is longer than the server reads" + within;
            case HEADER_FIELDS_TOO_LARGE -> "the web server refused the request before it reached driftwatch: its"
                    + " header fields are larger than the server reads" + within;
            case BAD_REQUEST -> "the web server refused the request before it reached driftwatch: its path, request"
                    + " line or framing cannot be read (for example an encoded NUL, a malformed %-escape, a"
                    + " transfer coding other than chunked or an HTTP version other than 1.x)";
            case METHOD_NOT_ALLOWED -> "the web server refused the request before it reached driftwatch: it does"
                    + " not serve this method (the Allow header lists the ones it does)";
            default -> "the web server refused the request before it reached driftwatch (HTTP " + status + ")";
        };
        return "{\"type\":\"" + ApiProblem.TYPE_BASE + "refused-by-server\",\"title\":\"Request refused\","
                + "\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
    }
}
