package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.JsonProblems;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * JSON bodies are UTF-8 (RFC 8259, section 8.1), and only UTF-8 is accepted: a body in UTF-16 or UTF-32
 * would be decoded by Jackson's own detection, which turns a malformed sequence (a lone surrogate)
 * into U+FFFD and stores a name the client never sent, and malformed UTF-8 by Jackson's lenient decoding
 * ({@link Utf8Check}). A declared charset other than UTF-8 and a body that is not UTF-8 are answered 415.
 */
public final class JsonEncoding {

    private JsonEncoding() {}

    /**
     * Whether a request's body is JSON.
     *
     * @param contentType the request's {@code Content-Type}, or null
     * @return true for {@code application/json} and {@code application/*+json}, whatever its parameters
     */
    public static boolean isJson(String contentType) {
        ContentType type = ContentType.of(contentType);
        return type != null && type.json();
    }

    /**
     * A JSON request that declares a charset other than UTF-8.
     *
     * @param type the request's JSON content type
     * @return the 415 problem, or null when it declares no charset or UTF-8 (under any of its names)
     */
    static ApiProblem charsetProblem(ContentType type) {
        String charset = type.charset();
        if (charset == null) {
            return null;
        }
        try {
            if (Charset.forName(charset).equals(StandardCharsets.UTF_8)) {
                return null;
            }
        } catch (IllegalArgumentException e) {
            // an unknown or malformed charset name: refused below like any other
        }
        return problem("Content-Type", "declares charset " + printable(charset) + "; JSON must be UTF-8 (RFC 8259)");
    }

    /**
     * A body whose first two bytes show UTF-16 or UTF-32: JSON text begins with an ASCII character, so a
     * zero byte among the first two, or a UTF-16 byte order mark, is not UTF-8 (RFC 8259; the detection of
     * RFC 4627, section 3). A UTF-8 byte order mark is let through (RFC 8259 allows ignoring it).
     *
     * @param first the first byte (0-255)
     * @param second the second byte (0-255), or -1 when the body has one byte
     * @return the 415 problem, or null
     */
    static ApiProblem firstBytesProblem(int first, int second) {
        boolean bom = first == 0xFE && second == 0xFF || first == 0xFF && second == 0xFE;
        if (first == 0 || second == 0 || bom) {
            return problem("body", "is not UTF-8: its first bytes are those of UTF-16 or UTF-32 text;"
                    + " JSON must be UTF-8 (RFC 8259)");
        }
        return null;
    }

    /** A client's text, as a problem may quote it: printable, at most 40 characters. */
    static String printable(String s) {
        return JsonProblems.printable(s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    /** The 415 problem of a body in a charset the service does not take. */
    static ApiProblem problem(String field, String message) {
        return new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-charset", "Unsupported charset",
                field + " " + message, List.of(new ApiProblem.FieldProblem(field, message)));
    }
}
