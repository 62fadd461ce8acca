package dev.lmgate.filters.sensitive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SensitiveDataTest {
  @Test
  void masksEmailsCredentialsCardsIbansAndSsns() {
    assertThat(SensitiveData.redact("write to jane.doe+x@mail.example.co.uk today"))
        .isEqualTo("write to [EMAIL] today");
    assertThat(SensitiveData.redact("key=\"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\""))
        .isEqualTo("key=\"[SECRET]\"");
    assertThat(SensitiveData.redact("aws AKIAIOSFODNN7EXAMPLE ok")).isEqualTo("aws [SECRET] ok");
    assertThat(SensitiveData.redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345"))
        .isEqualTo("Authorization: Bearer [SECRET]");
    assertThat(
            SensitiveData.redact(
                "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz end"))
        .isEqualTo("token [SECRET] end");
    assertThat(SensitiveData.redact("card 4111 1111 1111 1111 exp 12/29"))
        .isEqualTo("card [CARD] exp 12/29");
    assertThat(SensitiveData.redact("IBAN GB82 WEST 1234 5698 7654 32.")).isEqualTo("IBAN [IBAN].");
    assertThat(SensitiveData.redact("ssn 219-09-9999")).isEqualTo("ssn [SSN]");
    assertThat(SensitiveData.redact("NI number AB 12 34 56 C, thanks"))
        .isEqualTo("NI number [ID], thanks");
    assertThat(SensitiveData.redact("my SIN is 046-454-286")).isEqualTo("my SIN is [ID]");
    assertThat(SensitiveData.redact("my SIN is 046-454-287"))
        .as("fails Luhn")
        .isEqualTo("my SIN is 046-454-287");
    assertThat(
            SensitiveData.redact(
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- after"))
        .isEqualTo("[SECRET] after");
  }

  @Test
  void leavesNumbersThatFailTheirChecksumsAlone() {
    String text = "order 4111 1111 1111 1112, ref GB82 WEST 1234 5698 7654 33, ssn 000-12-3456";
    assertThat(SensitiveData.redact(text)).isEqualTo(text);
    assertThat(SensitiveData.redact("the year 2026 and 1234567890"))
        .isEqualTo("the year 2026 and 1234567890");
  }
}
