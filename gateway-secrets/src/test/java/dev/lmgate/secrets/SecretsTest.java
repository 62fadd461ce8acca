package dev.lmgate.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
  @TempDir Path dir;

  @Test
  void referencesParseAndPrintAsWrittenNeverAsValues() {
    assertThat(SecretRef.parse("aws-sm:prod/lmstudio#apiKey"))
        .isEqualTo(new SecretRef("aws-sm", "prod/lmstudio", "apiKey"));
    assertThat(SecretRef.fromConfigValue("${secret:file:/run/secrets/lm}"))
        .isEqualTo(new SecretRef("file", "/run/secrets/lm", ""));
    assertThat(SecretRef.fromConfigValue("plain")).isNull();
    assertThat(SecretRef.parse("vault:kv/data/lm#key").toString())
        .isEqualTo("vault:kv/data/lm#key");
    assertThatThrownBy(() -> SecretRef.parse("s3:bucket/key"))
        .hasMessageContaining("unknown secret scheme s3");
    assertThatThrownBy(() -> SecretRef.parse("env:NOT-A-NAME"))
        .hasMessageContaining("variable name");
    assertThatThrownBy(() -> SecretRef.parse("file:")).hasMessageContaining("needs a location");
    Secret s = Secret.of("sk-live-123");
    assertThat(s.toString()).isEqualTo("***");
    assertThat(String.valueOf(List.of(s))).isEqualTo("[***]");
    assertThat(s.hashCode()).isEqualTo(Secret.of("other").hashCode());
  }

  @Test
  void envAndFileSecretsResolveAndAFileRotationIsPickedUpWithoutARestart() throws Exception {
    Path f = dir.resolve("lmstudio-key");
    Files.writeString(f, "first-key\n");
    List<String> failures = new ArrayList<>();
    try (Secrets secrets =
        new Secrets(
            List.of(
                new EnvSecretProvider(Map.of("LM_KEY", "{\"apiKey\":\"from-env\"}")::get),
                new FileSecretProvider()),
            Duration.ofHours(1),
            (ref, e) -> failures.add(ref + ": " + e.getMessage()))) {
      assertThat(secrets.resolve(SecretRef.parse("env:LM_KEY#apiKey")).get().reveal())
          .isEqualTo("from-env");
      RefreshingSecret file = secrets.resolve(SecretRef.parse("file:" + f));
      assertThat(file.get().reveal()).isEqualTo("first-key");
      assertThat(secrets.resolve(SecretRef.parse("file:" + f))).isSameAs(file);

      Files.writeString(f, "second-key\n");
      secrets.refreshAll();
      assertThat(file.get().reveal()).isEqualTo("second-key");
      assertThat(file.changes()).isEqualTo(1);

      // The file disappears: the last good value stays, the failure is reported without the value.
      Files.delete(f);
      secrets.refreshAll();
      assertThat(file.get().reveal()).isEqualTo("second-key");
      assertThat(file.failures()).isEqualTo(1);
      assertThat(failures).hasSize(1);
      assertThat(failures.get(0)).startsWith("file:" + f).doesNotContain("second-key");
    }
  }

  @Test
  void aSecretThatCannotBeReadAtStartIsAnErrorNamingTheReference() throws Exception {
    try (Secrets secrets = Secrets.local(k -> null, Duration.ofMinutes(5))) {
      assertThatThrownBy(() -> secrets.resolve(SecretRef.parse("env:MISSING")))
          .isInstanceOf(IOException.class)
          .hasMessage("environment variable MISSING is not set");
      assertThatThrownBy(() -> secrets.resolve(SecretRef.parse("aws-sm:prod/lm")))
          .hasMessageStartingWith(
              "aws-sm: secrets are not available from this provider in this build");
      Path notJson = dir.resolve("plain");
      Files.writeString(notJson, "value");
      assertThatThrownBy(() -> secrets.resolve(SecretRef.parse("file:" + notJson + "#key")))
          .hasMessageContaining("not a JSON object")
          .hasMessageNotContaining("value\"");
    }
  }
}
