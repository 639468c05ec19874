package dev.driftwatch.monitor.edge;

import java.util.Locale;

/**
 * A request's {@code Content-Type} as the body checks need it: the media type and the declared charset.
 * Read by hand, not by Spring's {@link org.springframework.http.MediaType} parser, which refuses a
 * charset it does not know and so would let exactly those past the checks of {@link JsonEncoding} and
 * {@link FormCharset}.
 *
 * @param type {@code type/subtype}, lower case
 * @param charset the {@code charset} parameter, unquoted, or null when there is none
 */
record ContentType(String type, String charset) {

    /**
     * Reads a Content-Type header.
     *
     * @param header the header, or null
     * @return its type and charset, or null when there is no header
     */
    static ContentType of(String header) {
        if (header == null) {
            return null;
        }
        String[] parts = header.split(";");
        String charset = null;
        for (int i = 1; i < parts.length && charset == null; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0 && "charset".equalsIgnoreCase(parts[i].substring(0, eq).trim())) {
                String value = parts[i].substring(eq + 1).trim();
                charset = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return new ContentType(parts.length == 0 ? "" : parts[0].trim().toLowerCase(Locale.ROOT), charset);
    }

    /** @return true for {@code application/json} and {@code application/*+json} */
    boolean json() {
        return type.equals("application/json") || type.startsWith("application/") && type.endsWith("+json");
    }

    /** @return true for {@code application/x-www-form-urlencoded} */
    boolean form() {
        return type.equals("application/x-www-form-urlencoded");
    }
}
