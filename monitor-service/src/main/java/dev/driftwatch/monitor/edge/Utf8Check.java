package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Checks, in one pass, that a JSON body is UTF-8 as its bytes go by, in as many pieces as its reader
 * reads: first its first two bytes ({@link JsonEncoding#firstBytesProblem}: UTF-16 or UTF-32), then every
 * character, through the JDK's UTF-8 decoder set to refuse what is malformed (the decoded text is not
 * kept). Jackson's own UTF-8 decoding is lenient: it decoded overlong forms ({@code C1 AB} as 'k',
 * {@code C0 80} as U+0000) and code points beyond U+10FFFF, so such a body was read as text its client
 * never sent. Well-formed UTF-8 is that of the Unicode Standard's table 3-7 (RFC 3629, section 4), which
 * the JDK's decoder keeps to: no overlong form, no encoded surrogate, nothing beyond U+10FFFF, no character
 * cut short.
 *
 * <pre>{@code
 * Utf8Check utf8 = new Utf8Check();
 * ApiProblem problem = utf8.next(buf, 0, n);   // for every piece read
 * ... problem = utf8.end();                    // at the end of the body
 * }</pre>
 */
public final class Utf8Check {

    /** The JDK's decoder, refusing what is not UTF-8 instead of replacing it. */
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    /** Where the decoded characters go: nothing keeps them. */
    private final CharBuffer discard = CharBuffer.allocate(1024);
    /** The bytes of a character a piece ended inside of (at most 3), read with the next piece. */
    private byte[] carry = new byte[0];
    /** The body offset of the first byte the decoder has not consumed. */
    private long consumed;
    /** Bytes seen. */
    private long offset;
    /** The body's first byte, judged with the second ({@link JsonEncoding#firstBytesProblem}). */
    private int first;

    /**
     * Looks at the next piece of the body.
     *
     * @param buf the bytes
     * @param off where the piece begins
     * @param len its length
     * @return the 415 problem at the first byte that is not UTF-8, or null
     */
    public ApiProblem next(byte[] buf, int off, int len) {
        if (len <= 0) {
            return null;
        }
        if (offset == 0) {
            first = buf[off] & 0xFF;
        }
        if (offset <= 1 && offset + len >= 2) {
            ApiProblem problem = JsonEncoding.firstBytesProblem(first, buf[off + (int) (1 - offset)] & 0xFF);
            if (problem != null) {
                return problem;
            }
        }
        offset += len;
        ByteBuffer in = carry.length == 0 ? ByteBuffer.wrap(buf, off, len)
                : ByteBuffer.allocate(carry.length + len).put(carry).put(buf, off, len).flip();
        int begin = in.position();
        ApiProblem problem = decode(in, false);
        consumed += in.position() - begin;
        carry = new byte[in.remaining()];
        in.get(carry);
        return problem;
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
        }
        if (carry.length > 0) {
            return notUtf8(consumed, carry, "is cut short by the end of the body");
        }
        return decode(ByteBuffer.allocate(0), true);
    }

    /** Decodes what the buffer holds, leaving the bytes of a character cut short by its end. */
    private ApiProblem decode(ByteBuffer in, boolean endOfInput) {
        int begin = in.position();
        while (true) {
            CoderResult result = decoder.decode(in, discard, endOfInput);
            discard.clear();
            if (result.isOverflow()) {
                continue;
            }
            if (result.isUnderflow()) {
                return null;
            }
            byte[] bad = new byte[result.length()];
            in.get(in.position(), bad);
            return notUtf8(consumed + in.position() - begin, bad, "is malformed");
        }
    }

    /** The problem of the character at an offset, quoting its bytes. */
    private static ApiProblem notUtf8(long at, byte[] bytes, String why) {
        String hex = HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
        return JsonEncoding.problem("body", "is not UTF-8: the character at byte offset " + at + " (" + hex + ") "
                + why + " (overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8);"
                + " JSON must be UTF-8 (RFC 8259)");
    }
}
