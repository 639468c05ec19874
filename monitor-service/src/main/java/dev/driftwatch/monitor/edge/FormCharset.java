package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A form body ({@code application/x-www-form-urlencoded}) is ASCII text: its names and values
 * percent-escape the bytes of their text, and a declared charset says which charset those bytes are in.
 * Browsers send the page's charset (UTF-8 here) and declare none; a declared charset the server knows
 * and that is ASCII-compatible (ISO-8859-1, windows-1252...) is honoured. Two others are answered 415
 * instead of what the web server would do with them: a charset it does not know, which it decodes as
 * UTF-8 as if none had been declared, and UTF-16 or UTF-32, with which it decodes the whole body before
 * splitting it into fields and so cannot find any (a 400 that blamed the request's method, path or
 * headers).
 */
final class FormCharset {

    /** What every form body has: names, values, separators and escapes, in ASCII. */
    private static final String SAMPLE = "name=a+b%20c&_csrf=0123456789-_.~";

    private FormCharset() {}

    /**
     * A form request whose declared charset cannot be honoured.
     *
     * @param type the request's form content type ({@link ContentType#form()})
     * @return the 415 problem, or null (no charset declared, or one that is honoured)
     */
    static ApiProblem problem(ContentType type) {
        String declared = type.charset();
        if (declared == null) {
            return null;
        }
        Charset charset;
        try {
            charset = Charset.forName(declared);
        } catch (IllegalArgumentException e) {
            return JsonEncoding.problem("Content-Type", "declares charset " + JsonEncoding.printable(declared)
                    + ", which this server does not know; send UTF-8 (the default) or declare none");
        }
        if (!asciiCompatible(charset)) {
            return JsonEncoding.problem("Content-Type", "declares charset " + JsonEncoding.printable(declared)
                    + "; a form body is ASCII text and its charset must extend ASCII: send UTF-8 (the default)"
                    + " or declare none");
        }
        return null;
    }

    /** Whether a charset writes ASCII text as ASCII bytes (UTF-16 and UTF-32 do not). */
    private static boolean asciiCompatible(Charset charset) {
        return charset.canEncode()
                && Arrays.equals(SAMPLE.getBytes(charset), SAMPLE.getBytes(StandardCharsets.US_ASCII));
    }
}
