package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.util.HexFormat;

/**
 * Checks, in one pass, that a JSON body is UTF-8 as its bytes go by, in as many pieces as its reader
 * reads: first its first two bytes ({@link JsonEncoding#firstBytesProblem}: UTF-16 or UTF-32), then every
 * character. Jackson's own UTF-8 decoding is lenient: it decoded overlong forms ({@code C1 AB} as 'k',
 * {@code C0 80} as U+0000) and code points beyond U+10FFFF, so such a body was read as text its client
 * never sent. Well-formed UTF-8 is that of the Unicode Standard's table 3-7 (RFC 3629, section 4), which
 * the JDK's decoder also keeps to ({@code Utf8CheckTest} compares the two): no overlong form, no encoded
 * surrogate, nothing beyond U+10FFFF, no character cut short.
 *
 * <pre>{@code
 * Utf8Check utf8 = new Utf8Check();
 * ApiProblem problem = utf8.next(buf, 0, n);   // for every piece read
 * ... problem = utf8.end();                    // at the end of the body
 * }</pre>
 */
public final class Utf8Check {

    /** Bytes seen. */
    private long offset;
    /** The body's first byte, judged with the second ({@link JsonEncoding#firstBytesProblem}). */
    private int first;
    /** The offset of the character being read. */
    private long start;
    /** Its bytes seen, one per 8 bits (at most three before it is complete). */
    private int bytes;
    /** The continuation bytes it still needs. */
    private int needed;
    /** The range of its next continuation byte (narrower than 80-BF after E0, ED, F0 and F4). */
    private int low;
    private int high;

    /**
     * Looks at the next piece of the body.
     *
     * @param buf the bytes
     * @param off where the piece begins
     * @param len its length
     * @return the 415 problem at the first byte that is not UTF-8, or null
     */
    public ApiProblem next(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            int b = buf[i] & 0xFF;
            if (b < 0x80 && needed == 0 && offset > 1) {
                offset++; // ASCII, most of a JSON body
                continue;
            }
            ApiProblem problem = next(b);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /**
     * The end of the body.
     *
     * @return the 415 problem of a one-byte body that is not UTF-8 or of a body that ends inside a character,
     *     or null
     */
    public ApiProblem end() {
        if (offset == 1) {
            ApiProblem problem = JsonEncoding.firstBytesProblem(first, -1);
            if (problem != null) {
                return problem;
            }
            problem = character(first, 0);
            if (problem != null) {
                return problem;
            }
        }
        return needed == 0 ? null : notUtf8("is cut short by the end of the body");
    }

    private ApiProblem next(int b) {
        long at = offset++;
        if (at == 0) {
            first = b;
            return null;
        }
        if (at == 1) {
            ApiProblem problem = JsonEncoding.firstBytesProblem(first, b);
            if (problem == null) {
                problem = character(first, 0);
            }
            if (problem != null) {
                return problem;
            }
        }
        return character(b, at);
    }

    /** Reads one byte into the character being read, or begins the next one. */
    private ApiProblem character(int b, long at) {
        if (needed == 0) {
            start = at;
            bytes = b;
            if (b < 0x80) {
                return null;
            } else if (b >= 0xC2 && b <= 0xDF) {
                expect(1, 0x80, 0xBF);
            } else if (b == 0xE0) {
                expect(2, 0xA0, 0xBF); // below A0: an overlong form
            } else if (b == 0xED) {
                expect(2, 0x80, 0x9F); // above 9F: a surrogate
            } else if (b >= 0xE1 && b <= 0xEF) {
                expect(2, 0x80, 0xBF);
            } else if (b == 0xF0) {
                expect(3, 0x90, 0xBF); // below 90: an overlong form
            } else if (b >= 0xF1 && b <= 0xF3) {
                expect(3, 0x80, 0xBF);
            } else if (b == 0xF4) {
                expect(3, 0x80, 0x8F); // above 8F: beyond U+10FFFF
            } else {
                // a continuation byte, C0 and C1 (which only begin overlong forms) or F5-FF
                return notUtf8("is malformed");
            }
            return null;
        }
        bytes = bytes << 8 | b;
        if (b < low || b > high) {
            return notUtf8("is malformed");
        }
        expect(needed - 1, 0x80, 0xBF);
        return null;
    }

    private void expect(int continuations, int lowest, int highest) {
        needed = continuations;
        low = lowest;
        high = highest;
    }

    /** The problem of the character being read, quoting its bytes. */
    private ApiProblem notUtf8(String why) {
        int count = bytes >>> 24 != 0 ? 4 : bytes >>> 16 != 0 ? 3 : bytes >>> 8 != 0 ? 2 : 1;
        String hex = HexFormat.ofDelimiter(" ").withUpperCase().formatHex(
                new byte[] {(byte) (bytes >>> 24), (byte) (bytes >>> 16), (byte) (bytes >>> 8), (byte) bytes},
                4 - count, 4);
        return JsonEncoding.problem("body", "is not UTF-8: the character at byte offset " + start + " (" + hex + ") "
                + why + " (overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8);"
                + " JSON must be UTF-8 (RFC 8259)");
    }
}
