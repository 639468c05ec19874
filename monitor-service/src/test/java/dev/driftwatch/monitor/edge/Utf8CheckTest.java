package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.problem.ApiProblem;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Check} reads a body in pieces through the JDK's strict UTF-8 decoder: the same sequences are
 * refused as by that decoder reading the body whole, at the same byte offset, whatever the pieces' size (a
 * character split between two pieces is carried into the next).
 */
class Utf8CheckTest {

    /** Bytes around the edges of the ranges of table 3-7, for the positions not tried exhaustively. */
    private static final int[] EDGES = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xFF};
    /** The edges and every byte that begins a character of 2 to 4 bytes or a malformed one (C0, C1, F5-FF). */
    private static final int[] EDGES_AND_LEADS = java.util.stream.IntStream.concat(java.util.Arrays.stream(EDGES),
            java.util.stream.IntStream.rangeClosed(0xC1, 0xF5)).distinct().toArray();

    private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder(); // REPORT is its default
    private final CharBuffer chars = CharBuffer.allocate(16);

    @Test
    void everyPieceSizeFindsWhatTheJdkDecoderFindsAtTheSameOffset() {
        int tried = 0;
        for (int a : EDGES_AND_LEADS) {
            for (int b : EDGES_AND_LEADS) {
                for (int c : EDGES) {
                    for (int d : EDGES) {
                        for (int piece = 1; piece <= 5; piece += 2) {
                            tried += agree(piece, a, b, c, d);
                        }
                    }
                }
            }
        }
        assertThat(tried).isEqualTo(3 * EDGES_AND_LEADS.length * EDGES_AND_LEADS.length * EDGES.length * EDGES.length);
    }

    @Test
    void aBodyInPiecesIsJudgedLikeAWholeOne() {
        byte[] body = "{\"name\": \"caf\u00e9 \uD83D\uDE00 over\u00c1long\"}".getBytes(StandardCharsets.UTF_8);
        body[body.length - 8] = (byte) 0xC1; // an overlong 'A': C1 81
        body[body.length - 7] = (byte) 0x81;
        Utf8Check whole = new Utf8Check();
        ApiProblem atOnce = whole.next(body, 0, body.length);
        Utf8Check pieces = new Utf8Check();
        ApiProblem byteByByte = null;
        for (int i = 0; i < body.length && byteByByte == null; i++) {
            byteByByte = pieces.next(body, i, 1);
        }
        assertThat(atOnce).isNotNull();
        assertThat(byteByByte.getMessage()).isEqualTo(atOnce.getMessage())
                .contains("byte offset " + (body.length - 8) + " (C1)", "not UTF-8");
    }

    @Test
    void theFirstBytesOfUtf16AreNamedAsSuch() {
        assertThat(problem(0xFF, 0xFE, '{', 0).getMessage()).contains("UTF-16 or UTF-32");
        assertThat(problem('{', 0).getMessage()).contains("UTF-16 or UTF-32");
        assertThat(problem(0xC3).getMessage()).contains("byte offset 0 (C3) is cut short");
        assertThat(problem(0xC1).getMessage()).contains("byte offset 0 (C1) is malformed");
        assertThat(problem('{')).isNull();
        assertThat(problem()).isNull();
    }

    /**
     * Checks the sequence after two ASCII bytes (which pass the first-bytes check), read in pieces of the given
     * size, against the JDK's decoder reading it whole.
     */
    private int agree(int piece, int... sequence) {
        byte[] body = new byte[sequence.length + 2];
        body[0] = '[';
        body[1] = '"';
        for (int i = 0; i < sequence.length; i++) {
            body[i + 2] = (byte) sequence[i];
        }
        Utf8Check check = new Utf8Check();
        ApiProblem problem = null;
        for (int i = 0; i < body.length && problem == null; i += piece) {
            problem = check.next(body, i, Math.min(piece, body.length - i));
        }
        if (problem == null) {
            problem = check.end();
        }
        Integer refusedAt = jdkRefusal(body);
        boolean same = refusedAt == null ? problem == null
                : problem != null && problem.getMessage().contains("byte offset " + refusedAt + " (");
        if (!same) { // (asserted only then: this runs a million times)
            assertThat(problem == null ? "accepted" : problem.getMessage())
                    .as(HexFormat.ofDelimiter(" ").formatHex(body) + " in pieces of " + piece)
                    .isEqualTo(refusedAt == null ? "accepted" : "refused at byte offset " + refusedAt);
        }
        return 1;
    }

    /** Where the JDK's decoder finds a body malformed, or null when it decodes it. */
    private Integer jdkRefusal(byte[] body) {
        ByteBuffer in = ByteBuffer.wrap(body);
        jdk.reset();
        CoderResult r;
        do {
            chars.clear();
            r = jdk.decode(in, chars, true);
        } while (r.isOverflow());
        return r.isError() ? in.position() : null;
    }

    private static ApiProblem problem(int... bytes) {
        byte[] body = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            body[i] = (byte) bytes[i];
        }
        return problem(body);
    }

    private static ApiProblem problem(byte[] body) {
        Utf8Check check = new Utf8Check();
        ApiProblem problem = check.next(body, 0, body.length);
        return problem != null ? problem : check.end();
    }
}
