package dev.driftwatch.plugin.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 fingerprints: one place for the digest and for how text is fed into it. */
public final class Fingerprints {

    private Fingerprints() {}

    /**
     * Starts a SHA-256 digest with a domain tag, so that fingerprints of different things never collide.
     *
     * @param domain e.g. {@code driftwatch-probe-set/v1}
     * @return the digest
     */
    public static MessageDigest start(String domain) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            text(sha, domain);
            return sha;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /**
     * Feeds a length-prefixed UTF-8 string, so that concatenations stay unambiguous.
     *
     * @param sha the digest
     * @param s the text
     */
    public static void text(MessageDigest sha, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        sha.update(b);
    }

    /**
     * Finishes the digest.
     *
     * @param sha the digest
     * @return 64 lower-case hex characters
     */
    public static String hex(MessageDigest sha) {
        return HexFormat.of().formatHex(sha.digest());
    }
}
