package dev.lmgate.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.app.config.ConfigLoader;
import dev.lmgate.app.config.GatewayConfig;
import dev.lmgate.core.admin.AdminServer;
import dev.lmgate.spi.ConfigException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin port's config routes: {@code POST /config/validate} with a YAML body answers whether it
 * would load (and the first offending setting and what it expects if not — never the value, which
 * may come from the gateway's environment), changing nothing; {@code POST /config/reload} re-reads
 * the gateway's config file now — a rejected file leaves the running config serving, as the file
 * watcher does.
 */
final class ConfigAdmin implements OperatorRoute.Handler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Supplier<Optional<String>> reload; // empty: applied; else why not; null: no file

  ConfigAdmin(Supplier<Optional<String>> reload) {
    this.reload = reload;
  }

  @Override
  public AdminServer.Answer handle(
      String method, String path, OperatorRoute.Operator operator, String body) {
    if (method.equals("POST") && path.equals("/config/validate")) {
      // a throwaway environment: nothing the candidate builds (watchers, threads) outlives the call
      ConfigLoader loader = ConfigLoader.fromEnvironment();
      try {
        GatewayConfig c = loader.parse(body);
        ObjectNode out = JSON.createObjectNode().put("valid", true);
        c.filters().forEach(f -> out.withArray("filters").add(f.id()));
        return new AdminServer.Answer(200, out.toString());
      } catch (ConfigException e) {
        return new AdminServer.Answer(
            400,
            JSON.createObjectNode()
                .put("valid", false)
                .set(
                    "error",
                    JSON.createObjectNode()
                        // never the value: ${NAME} placeholders resolve from the gateway's
                        // environment, which an operator of the admin port must not read this way
                        .put("message", e.withoutValue())
                        .put("type", "invalid_request_error")
                        .put("code", "invalid_config"))
                .toString());
      } finally {
        loader.environment().close();
      }
    }
    if (method.equals("POST") && path.equals("/config/reload")) {
      Optional<String> result = reload.get();
      if (result == null) {
        return AdminToken.error(
            409, "no_config_file", "This gateway was not started from a config file.");
      }
      if (result.isPresent()) {
        return AdminToken.error(
            400,
            "invalid_config",
            "Reload rejected, the running config keeps serving: " + result.get());
      }
      return new AdminServer.Answer(200, JSON.createObjectNode().put("reloaded", true).toString());
    }
    return AdminToken.error(
        404, "unknown_route", "Use POST /config/validate (YAML body) or POST /config/reload.");
  }
}
