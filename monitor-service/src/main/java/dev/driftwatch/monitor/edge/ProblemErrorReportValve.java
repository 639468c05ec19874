package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Tomcat's error report for what it refuses itself, before a request reaches the service (an encoded
 * NUL or a malformed %-escape in the path, a bad request line, a CONNECT, an unknown transfer coding):
 * a problem+json body like every other error of the API instead of Tomcat's HTML page, and a 4xx
 * where Tomcat would answer 501. Errors the service answers have a body already and are left alone.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {

    private static final int BAD_REQUEST = 400;
    private static final int METHOD_NOT_ALLOWED = 405;
    private static final int NOT_IMPLEMENTED = 501;
    private static final int VERSION_NOT_SUPPORTED = 505;
    /** The methods the API serves (each path allows some of them). */
    static final String ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";

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
                writer.write(body(status));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone, or the response was committed meanwhile: nothing left to tell
        }
    }

    /** The problem document; fixed texts only, nothing of the request is echoed. */
    static String body(int status) {
        String detail = switch (status) {
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
