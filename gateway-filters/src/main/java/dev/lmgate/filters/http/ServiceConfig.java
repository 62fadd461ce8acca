package dev.lmgate.filters.http;

import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterEnvironment;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Supplier;

/** The settings every service a filter calls shares: its base URL, its key, the HTTP client. */
public final class ServiceConfig {
  private ServiceConfig() {}

  /** {@code url}: an http(s) base URL such as {@code http://127.0.0.1:1234/v1}. */
  public static URI baseUrl(ConfigReader r) throws ConfigException {
    String url = r.requiredString("url");
    try {
      URI base = URI.create(url);
      if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
        throw new IllegalArgumentException();
      }
      return base;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          r.path() + ".url", url, "an http(s) base URL such as http://127.0.0.1:1234/v1");
    }
  }

  /** {@code api-key}: a secret reference, resolved (and refreshed) by the secret layer; or none. */
  public static Supplier<String> apiKey(ConfigReader r, FilterEnvironment env)
      throws ConfigException {
    if (!r.has("api-key")) {
      return () -> null;
    }
    var secret = env.secret(r.path() + ".api-key", r.requiredString("api-key"));
    return secret::reveal;
  }

  /** The HTTP client the filters' service calls share. */
  public static HttpClient client(FilterEnvironment env) {
    return env.shared(
        "filters.http",
        HttpClient.class,
        () -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }
}
