package dev.driftwatch.monitor.alert.notify;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies: {@code X-Driftwatch-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>},
 * computed over the exact bytes sent, so a receiver can check the body came from this service.
 */
public final class WebhookSigner {

    /** The header carrying the signature. */
    public static final String HEADER = "X-Driftwatch-Signature-256";

    private WebhookSigner() {}

    /**
     * Computes the header value.
     *
     * @param secret the shared secret
     * @param body the body bytes as sent
     * @return {@code sha256=} followed by the lower-case hex HMAC
     */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
