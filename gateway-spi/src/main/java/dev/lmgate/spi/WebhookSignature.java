package dev.lmgate.spi;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature on every webhook the gateway sends (audit alerts, tool-approval notifications), so
 * a receiver checks them all the same way: header {@code x-lmgate-timestamp} carries the epoch
 * seconds, header {@code x-lmgate-signature} carries {@code sha256=} and the lowercase hex
 * HMAC-SHA256, keyed with the webhook's secret, of the timestamp's ASCII bytes, a {@code .}, and
 * the body's bytes exactly as sent.
 */
public final class WebhookSignature {
  /** The header with the timestamp the signature covers. */
  public static final String TIMESTAMP_HEADER = "x-lmgate-timestamp";

  /** The header with the signature. */
  public static final String SIGNATURE_HEADER = "x-lmgate-signature";

  private WebhookSignature() {}

  /** The value of {@link #SIGNATURE_HEADER} for a body sent at {@code timestamp}. */
  public static String header(byte[] secret, String timestamp, byte[] body) {
    return "sha256=" + hex(secret, timestamp, body);
  }

  /** The hex HMAC-SHA256 of {@code timestamp + "." + body}. */
  public static String hex(byte[] secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
    }
  }
}
