package dev.lmgate.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Known answers computed outside the JDK, with OpenSSL, so a receiver's own implementation of the
 * documented scheme agrees with the gateway's:
 *
 * <pre>
 * printf '%s' '1700000000.{"alert":"auth_failure_burst","severity":"critical"}' \
 *   | openssl dgst -sha256 -hmac 's3cret-for-test'
 * printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'key'
 * </pre>
 */
class WebhookSignatureTest {
  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void signsTimestampDotBodyWithHmacSha256AsOpenSslDoes() {
    assertThat(
            WebhookSignature.header(
                utf8("s3cret-for-test"),
                "1700000000",
                utf8("{\"alert\":\"auth_failure_burst\",\"severity\":\"critical\"}")))
        .isEqualTo("sha256=5fda17f963466ffaa30a70c677c85b7fb0162ee86a081fddef4e533af7d949e4");
  }

  @Test
  void signsAnEmptyBody() {
    assertThat(WebhookSignature.hex(utf8("key"), "1700000000", new byte[0]))
        .isEqualTo("0f1cc1f811f42fd12af9618acf321769899fa521fe07a642f70a61785e130770");
  }

  @Test
  void theTimestampIsCoveredSoAReplayedBodyWithANewTimestampDoesNotVerify() {
    byte[] body = utf8("{}");
    assertThat(WebhookSignature.hex(utf8("key"), "1700000000", body))
        .isNotEqualTo(WebhookSignature.hex(utf8("key"), "1700000001", body));
  }
}
