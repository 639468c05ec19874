package dev.driftwatch.monitor.problem;

import dev.driftwatch.contract.WireText;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedException;

/**
 * The answer to a header the security filter chain's firewall refuses (a control character in its name or
 * value). The firewall checks a header only when something reads it, often a controller, past the filter
 * chain that answers the firewall's other refusals with a 400: this is the same status, naming the headers.
 */
final class FirewallRefusal {

    /** Why UTF-8 text outside ASCII is often refused: its bytes are read one by one. */
    private static final String LATIN_1 = "; a header is read as ISO-8859-1, where the bytes 0x80 to 0x9F of UTF-8"
            + " text are control characters";

    private FirewallRefusal() {}

    /**
     * The 400 naming every header of a request that its firewall refuses, found by reading each one again
     * through the firewall; the firewall's own 400 (no field) when no header is at fault (a parameter).
     *
     * @param request the request as the controller saw it, through the firewall
     * @return the problem
     */
    static ApiProblem of(HttpServletRequest request) {
        HttpServletRequest raw = request;
        while (raw instanceof ServletRequestWrapper wrapper && wrapper.getRequest() instanceof HttpServletRequest in) {
            raw = in;
        }
        List<ApiProblem.FieldProblem> problems = new ArrayList<>();
        for (String name : Collections.list(raw.getHeaderNames())) {
            try {
                Collections.list(request.getHeaders(name));
            } catch (RequestRejectedException refused) {
                problems.add(new ApiProblem.FieldProblem(JsonProblems.printable(name), why(raw, name) + LATIN_1));
            }
        }
        if (problems.isEmpty()) {
            return new ApiProblem(HttpStatus.BAD_REQUEST, "http-400", HttpStatus.BAD_REQUEST.getReasonPhrase(),
                    ProblemErrorController.REFUSED_BEFORE_API, List.of());
        }
        return ApiProblem.invalid(problems);
    }

    /** What is wrong with a header's name or one of its values, as the wire's text rule says it. */
    private static String why(HttpServletRequest raw, String name) {
        String nameProblem = WireText.problem(name);
        if (nameProblem != null) {
            return "name " + nameProblem;
        }
        for (String value : Collections.list(raw.getHeaders(name))) {
            String valueProblem = WireText.problem(value);
            if (valueProblem != null) {
                return valueProblem;
            }
        }
        return "has a character that is not allowed";
    }
}
