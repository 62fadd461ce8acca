package dev.lmgate.secrets;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.PermissionDeniedException;
import com.google.api.gax.rpc.UnauthenticatedException;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.lmgate.spi.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * {@code gcp-sm:projects/P/secrets/S[/versions/V][#json-key]}: GCP Secret Manager through the
 * official client on its REST transport ({@code google-http-client} on the JDK), so neither gRPC
 * nor its shaded Netty is on the class path. Credentials are Application Default Credentials
 * (workload identity, the metadata server, {@code GOOGLE_APPLICATION_CREDENTIALS}). Without a
 * version the {@code latest} version is read, so a version added by a rotation is picked up at the
 * next refresh. The payload's CRC32C is checked. Least privilege: {@code
 * roles/secretmanager.secretAccessor} on the one secret (docs/secrets.md).
 */
public final class GcpSecretManagerProvider implements SecretProvider, AutoCloseable {
  private static final Pattern NAME =
      Pattern.compile("projects/[^/]+/secrets/[^/]+(/versions/[^/]+)?");

  /**
   * @param endpoint the API endpoint ({@code host:port}, or a URL such as {@code
   *     http://127.0.0.1:8085} for an emulator), or {@code null} for Google's
   */
  public record Settings(String endpoint) {
    public static final Settings DEFAULT = new Settings(null);
  }

  private final SecretManagerServiceClient client;

  /**
   * @param credentials the identity, or {@code null} for Application Default Credentials
   */
  public GcpSecretManagerProvider(Settings settings, CredentialsProvider credentials) {
    try {
      SecretManagerServiceSettings.Builder b = SecretManagerServiceSettings.newHttpJsonBuilder();
      if (settings.endpoint() != null) {
        b.setEndpoint(settings.endpoint());
      }
      if (credentials != null) {
        b.setCredentialsProvider(credentials);
      }
      this.client = SecretManagerServiceClient.create(b.build());
    } catch (IOException e) {
      throw new IllegalStateException("gcp-sm: " + e.getMessage(), e);
    }
  }

  public GcpSecretManagerProvider(Settings settings) {
    this(settings, null);
  }

  @Override
  public String scheme() {
    return "gcp-sm";
  }

  @Override
  public Secret fetch(SecretRef ref) throws IOException {
    String name = ref.location();
    if (!NAME.matcher(name).matches()) {
      throw new IOException(
          "gcp-sm: write projects/P/secrets/S or projects/P/secrets/S/versions/V, not " + ref);
    }
    if (!name.contains("/versions/")) {
      name = name + "/versions/latest";
    }
    AccessSecretVersionResponse r;
    try {
      r = client.accessSecretVersion(name);
    } catch (NotFoundException e) {
      throw new IOException("gcp-sm: no secret version " + name + " (or it is disabled)");
    } catch (PermissionDeniedException | UnauthenticatedException e) {
      throw new IOException("gcp-sm: access to " + name + " is denied");
    } catch (ApiException e) {
      throw new IOException("gcp-sm: " + name + ": " + e.getStatusCode().getCode());
    } catch (RuntimeException e) {
      throw new IOException("gcp-sm: " + name + ": " + e.getMessage());
    }
    byte[] data = r.getPayload().getData().toByteArray();
    if (r.getPayload().hasDataCrc32C()) {
      CRC32C crc = new CRC32C();
      crc.update(data);
      if (crc.getValue() != r.getPayload().getDataCrc32C()) {
        throw new IOException("gcp-sm: " + name + ": the payload fails its CRC32C check");
      }
    }
    if (data.length == 0) {
      throw new IOException("gcp-sm: " + name + " has no value");
    }
    return JsonField.pick(ref, new String(data, StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    client.close();
  }
}
