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
 * NUL or a malformed %-escape in the path, a bad request line): a problem+json body like every other
 * error of the API instead of Tomcat's HTML page. Errors the service answers have a body already and
 * are left alone.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {

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
        String detail = status == 400
                ? "the web server refused the request before it reached driftwatch: its path or request line cannot"
                        + " be read (for example an encoded NUL or a malformed %-escape)"
                : "the web server refused the request before it reached driftwatch (HTTP " + status + ")";
        return "{\"type\":\"" + ApiProblem.TYPE_BASE + "refused-by-server\",\"title\":\"Request refused\","
                + "\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
    }
}
