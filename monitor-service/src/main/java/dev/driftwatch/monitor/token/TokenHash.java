package dev.driftwatch.monitor.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one way a token's text is hashed for storage and lookup. */
public final class TokenHash {

    private TokenHash() {}

    /**
     * Hashes a token's text.
     *
     * @param token the token as the client sends it
     * @return SHA-256 of its UTF-8 bytes, lower-case hex
     */
    public static String of(String token) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
