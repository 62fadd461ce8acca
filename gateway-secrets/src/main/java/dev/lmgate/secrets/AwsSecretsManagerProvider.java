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
 * AWSCURRENT} stage, so a rotation by a rotation function is picked up at the next refresh. Needs
 * only {@code secretsmanager:GetSecretValue} on the secrets it reads (docs/secrets.md).
 */
public final class AwsSecretsManagerProvider implements SecretProvider, AutoCloseable {
  private final SecretsManagerClient client;

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
    String value =
        r.secretString() != null
            ? r.secretString()
            : r.secretBinary() != null
                ? Base64.getEncoder().encodeToString(r.secretBinary().asByteArray())
                : null;
    if (value == null || value.isEmpty()) {
      throw new IOException("aws-sm: " + ref.location() + " has no value");
    }
    return JsonField.pick(ref, value);
  }

  @Override
  public void close() {
    client.close();
  }
}
