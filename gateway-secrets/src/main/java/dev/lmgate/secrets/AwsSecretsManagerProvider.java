package dev.lmgate.secrets;

import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * {@code aws-sm:NAME_OR_ARN[#json-key]}: AWS Secrets Manager through the AWS SDK for Java v2, on
 * the JDK's URL connection (no second Netty, no Apache client), with the standard credential chain
 * (environment, profile, web identity, container or instance role). Always reads the {@code
 * AWSCURRENT} stage, so a rotation by a rotation function is picked up at the next refresh.
 * Refreshes ask {@code DescribeSecret} first and fetch the value only when {@code AWSCURRENT}
 * points at another version; without the {@code secretsmanager:DescribeSecret} permission they
 * simply fetch every time (only {@code GetSecretValue} is required; docs/secrets.md).
 */
public final class AwsSecretsManagerProvider implements SecretProvider, AutoCloseable {
  private final SecretsManagerClient client;
  private final java.util.Map<String, Fetched> fetched =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean describeAllowed = true;

  /** The value last fetched for a secret id, and the version it was. */
  private record Fetched(String versionId, String value) {}

  public AwsSecretsManagerProvider(SecretsManagerClient client) {
    this.client = client;
  }

  /**
   * @param region the region, or {@code null} for the SDK's default chain ({@code AWS_REGION},
   *     profile)
   * @param endpoint an endpoint override (a VPC endpoint, a test emulator), or {@code null}
   * @param credentials credentials, or {@code null} for the default chain
   */
  public static AwsSecretsManagerProvider create(
      String region, URI endpoint, AwsCredentialsProvider credentials) {
    SecretsManagerClientBuilder b =
        SecretsManagerClient.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .credentialsProvider(
                credentials != null ? credentials : DefaultCredentialsProvider.builder().build());
    if (region != null) {
      b.region(Region.of(region));
    }
    if (endpoint != null) {
      b.endpointOverride(endpoint);
    }
    return new AwsSecretsManagerProvider(b.build());
  }

  @Override
  public String scheme() {
    return "aws-sm";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    Fetched last = fetched.get(ref.location());
    if (last != null && describeAllowed) {
      String current = currentVersion(ref.location());
      if (last.versionId().equals(current)) {
        return JsonField.pick(ref, last.value()); // AWSCURRENT has not moved
      }
    }
    GetSecretValueResponse r;
    try {
      r =
          client.getSecretValue(
              GetSecretValueRequest.builder()
                  .secretId(ref.location())
                  .versionStage("AWSCURRENT")
                  .build());
    } catch (ResourceNotFoundException e) {
      throw new IOException("aws-sm: no secret " + ref.location() + " (or no access to it)");
    } catch (SdkException e) {
      throw new IOException("aws-sm: " + ref.location() + ": " + e.getMessage());
    }
    String value = value(ref, r);
    if (r.versionId() != null) {
      fetched.put(ref.location(), new Fetched(r.versionId(), value));
    }
    return JsonField.pick(ref, value);
  }

  private static String value(SecretRef ref, GetSecretValueResponse r) throws IOException {
    String value =
        r.secretString() != null
            ? r.secretString()
            : r.secretBinary() != null
                ? Base64.getEncoder().encodeToString(r.secretBinary().asByteArray())
                : null;
    if (value == null || value.isEmpty()) {
      throw new IOException("aws-sm: " + ref.location() + " has no value");
    }
    return value;
  }

  /**
   * The versions that carry a staging label other than {@code AWSCURRENT} and {@code AWSPENDING} —
   * {@code AWSPREVIOUS} after a rotation, and labels an operator keeps — newest first (needs {@code
   * secretsmanager:ListSecretVersionIds}).
   */
  @Override
  public java.util.List<Secret> previous(SecretRef ref) throws IOException {
    java.util.List<Secret> out = new java.util.ArrayList<>();
    try {
      var versions =
          new java.util.ArrayList<
              software.amazon.awssdk.services.secretsmanager.model.SecretVersionsListEntry>();
      client
          .listSecretVersionIdsPaginator(b -> b.secretId(ref.location()))
          .forEach(page -> versions.addAll(page.versions()));
      versions.sort(
          java.util.Comparator.comparing(
                  software.amazon.awssdk.services.secretsmanager.model.SecretVersionsListEntry
                      ::createdDate,
                  java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()))
              .reversed());
      for (var v : versions) {
        java.util.List<String> stages = v.versionStages();
        if (stages.isEmpty() || stages.contains("AWSCURRENT") || stages.contains("AWSPENDING")) {
          continue;
        }
        GetSecretValueResponse r =
            client.getSecretValue(b -> b.secretId(ref.location()).versionId(v.versionId()));
        out.add(JsonField.pick(ref, value(ref, r)));
      }
    } catch (ResourceNotFoundException e) {
      throw new IOException("aws-sm: no secret " + ref.location() + " (or no access to it)");
    } catch (SdkException e) {
      throw new IOException("aws-sm: " + ref.location() + ": " + e.getMessage());
    }
    return out;
  }

  /** The version id AWSCURRENT points at, or null when that cannot be told (then: fetch). */
  private String currentVersion(String secretId) {
    try {
      var d =
          client.describeSecret(
              software.amazon.awssdk.services.secretsmanager.model.DescribeSecretRequest.builder()
                  .secretId(secretId)
                  .build());
      for (var e : d.versionIdsToStages().entrySet()) {
        if (e.getValue().contains("AWSCURRENT")) {
          return e.getKey();
        }
      }
      return null;
    } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
      if (e.awsErrorDetails() != null
          && "AccessDeniedException".equals(e.awsErrorDetails().errorCode())) {
        describeAllowed = false; // least privilege: GetSecretValue only
      }
      return null;
    } catch (SdkException e) {
      return null;
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
