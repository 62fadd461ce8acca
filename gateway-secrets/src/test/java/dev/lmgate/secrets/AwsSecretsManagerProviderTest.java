package dev.lmgate.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The real AWS SDK client against WireMock speaking Secrets Manager's JSON protocol ({@code
 * X-Amz-Target: secretsmanager.GetSecretValue}, {@code application/x-amz-json-1.1}).
 */
class AwsSecretsManagerProviderTest {
  WireMockServer aws;
  AwsSecretsManagerProvider provider;

  @BeforeEach
  void start() {
    aws = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    aws.start();
    provider =
        AwsSecretsManagerProvider.create(
            "eu-west-1",
            URI.create("http://127.0.0.1:" + aws.port()),
            StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test-secret-access-key")));
  }

  @AfterEach
  void stop() {
    provider.close();
    aws.stop();
  }

  static MappingBuilder getSecretValue(String secretId) {
    return post(urlEqualTo("/"))
        .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
        .withRequestBody(
            equalToJson("{\"SecretId\":\"" + secretId + "\",\"VersionStage\":\"AWSCURRENT\"}"));
  }

  static String value(String secretString, String version) {
    return "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/lmstudio-AbCdEf\","
        + "\"Name\":\"prod/lmstudio\",\"SecretString\":"
        + com.fasterxml.jackson.databind.node.TextNode.valueOf(secretString)
        + ",\"VersionId\":\""
        + version
        + "\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.7646E9}";
  }

  static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(
      int status, String body) {
    return aResponse()
        .withStatus(status)
        .withHeader("Content-Type", "application/x-amz-json-1.1")
        .withBody(body);
  }

  @Test
  void readsTheCurrentVersionPicksAJsonFieldAndFollowsARotation() throws Exception {
    aws.stubFor(
        getSecretValue("prod/lmstudio")
            .inScenario("rotation")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(json(200, value("{\"apiKey\":\"key-one\",\"user\":\"lm\"}", "v1"))));
    aws.stubFor(
        getSecretValue("prod/lmstudio")
            .inScenario("rotation")
            .whenScenarioStateIs("rotated")
            .willReturn(json(200, value("{\"apiKey\":\"key-two\",\"user\":\"lm\"}", "v2"))));
    try (Secrets secrets = new Secrets(List.of(provider), Duration.ofHours(1), (r, e) -> {})) {
      RefreshingSecret key = secrets.resolve(SecretRef.parse("aws-sm:prod/lmstudio#apiKey"));
      assertThat(key.get().reveal()).isEqualTo("key-one");
      aws.setScenarioState("rotation", "rotated"); // a rotation function moved AWSCURRENT
      secrets.refreshAll();
      assertThat(key.get().reveal()).isEqualTo("key-two");
    }
    aws.verify(
        postRequestedFor(urlEqualTo("/"))
            .withHeader(
                "Authorization",
                com.github.tomakehurst.wiremock.client.WireMock.containing(
                    "AKIATESTTESTTESTTEST/")));
  }

  static MappingBuilder describeSecret(String secretId) {
    return post(urlEqualTo("/"))
        .withHeader("X-Amz-Target", equalTo("secretsmanager.DescribeSecret"))
        .withRequestBody(equalToJson("{\"SecretId\":\"" + secretId + "\"}"));
  }

  @Test
  void refreshesDescribeFirstAndFetchOnlyWhenAwsCurrentMoved() throws Exception {
    aws.stubFor(getSecretValue("prod/lm").willReturn(json(200, value("one", "v1"))));
    aws.stubFor(
        describeSecret("prod/lm")
            .willReturn(
                json(
                    200,
                    "{\"Name\":\"prod/lm\",\"VersionIdsToStages\":{\"v1\":[\"AWSCURRENT\"]}}")));
    SecretRef ref = SecretRef.parse("aws-sm:prod/lm");
    assertThat(provider.fetch(ref).reveal()).isEqualTo("one");
    assertThat(provider.fetch(ref).reveal()).isEqualTo("one");
    assertThat(provider.fetch(ref).reveal()).isEqualTo("one");
    aws.verify(
        1,
        postRequestedFor(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue")));
    aws.verify(
        2,
        postRequestedFor(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.DescribeSecret")));
    // A rotation: AWSPENDING became AWSCURRENT.
    aws.stubFor(getSecretValue("prod/lm").willReturn(json(200, value("two", "v2"))));
    aws.stubFor(
        describeSecret("prod/lm")
            .willReturn(
                json(
                    200,
                    "{\"Name\":\"prod/lm\",\"VersionIdsToStages\":{\"v1\":[\"AWSPREVIOUS\"],\"v2\":[\"AWSCURRENT\"]}}")));
    assertThat(provider.fetch(ref).reveal()).isEqualTo("two");
  }

  @Test
  void withoutDescribePermissionEveryRefreshFetches() throws Exception {
    aws.stubFor(getSecretValue("prod/lm").willReturn(json(200, value("one", "v1"))));
    aws.stubFor(
        describeSecret("prod/lm")
            .willReturn(
                json(400, "{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed\"}")));
    SecretRef ref = SecretRef.parse("aws-sm:prod/lm");
    for (int i = 0; i < 3; i++) {
      assertThat(provider.fetch(ref).reveal()).isEqualTo("one");
    }
    aws.verify(
        1,
        postRequestedFor(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.DescribeSecret")));
    aws.verify(
        3,
        postRequestedFor(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue")));
  }

  @Test
  void aMissingSecretIsAClearErrorAndThrottlingIsRetried() throws Exception {
    aws.stubFor(
        getSecretValue("nope")
            .willReturn(
                json(
                    400,
                    "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}")));
    assertThatThrownBy(() -> provider.fetch(SecretRef.parse("aws-sm:nope")))
        .isInstanceOf(IOException.class)
        .hasMessage("aws-sm: no secret nope (or no access to it)");

    aws.stubFor(
        getSecretValue("busy")
            .inScenario("throttle")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(
                json(400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"))
            .willSetStateTo("calm"));
    aws.stubFor(
        getSecretValue("busy")
            .inScenario("throttle")
            .whenScenarioStateIs("calm")
            .willReturn(json(200, value("plain-value", "v1"))));
    assertThat(provider.fetch(SecretRef.parse("aws-sm:busy")).reveal()).isEqualTo("plain-value");
  }

  @Test
  void previousVersionsAreTheLabelledOnesOtherThanCurrentAndPendingNewestFirst() throws Exception {
    aws.stubFor(
        post(urlEqualTo("/"))
            .withHeader("X-Amz-Target", equalTo("secretsmanager.ListSecretVersionIds"))
            .willReturn(
                json(
                    200,
                    "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/audit-AbCdEf\","
                        + "\"Name\":\"prod/audit\",\"Versions\":["
                        + "{\"VersionId\":\"v1\",\"VersionStages\":[\"keep-2025\"],\"CreatedDate\":1.70E9},"
                        + "{\"VersionId\":\"v3\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.76E9},"
                        + "{\"VersionId\":\"v4\",\"VersionStages\":[\"AWSPENDING\"],\"CreatedDate\":1.77E9},"
                        + "{\"VersionId\":\"v2\",\"VersionStages\":[\"AWSPREVIOUS\"],\"CreatedDate\":1.73E9}"
                        + "]}")));
    for (String v : List.of("v1", "v2")) {
      aws.stubFor(
          post(urlEqualTo("/"))
              .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
              .withRequestBody(
                  equalToJson("{\"SecretId\":\"prod/audit\",\"VersionId\":\"" + v + "\"}"))
              .willReturn(json(200, value("{\"key\":\"master-" + v + "\"}", v))));
    }
    List<String> previous =
        provider.previous(SecretRef.parse("aws-sm:prod/audit#key")).stream()
            .map(dev.lmgate.spi.Secret::reveal)
            .toList();
    assertThat(previous).containsExactly("master-v2", "master-v1");
  }

  @Test
  void whileSecretsManagerIsDownTheLastGoodValueStays() throws Exception {
    aws.stubFor(getSecretValue("prod/lmstudio").willReturn(json(200, value("stay", "v1"))));
    List<String> failures = new java.util.ArrayList<>();
    try (Secrets secrets =
        new Secrets(
            List.of(provider), Duration.ofHours(1), (r, e) -> failures.add(e.getMessage()))) {
      RefreshingSecret s = secrets.resolve(SecretRef.parse("aws-sm:prod/lmstudio"));
      aws.resetAll();
      aws.stubFor(
          getSecretValue("prod/lmstudio")
              .willReturn(json(500, "{\"__type\":\"InternalServiceError\",\"message\":\"down\"}")));
      secrets.refreshAll();
      assertThat(s.get().reveal()).isEqualTo("stay");
      assertThat(failures).hasSize(1);
      assertThat(failures.get(0)).startsWith("aws-sm: prod/lmstudio: ").doesNotContain("stay");
    }
  }
}
