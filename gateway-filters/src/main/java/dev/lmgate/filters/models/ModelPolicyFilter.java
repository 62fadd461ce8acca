package dev.lmgate.filters.models;

import dev.lmgate.filters.policy.Glob;
import dev.lmgate.spi.BaseFilter;
import dev.lmgate.spi.ConfigException;
import dev.lmgate.spi.ConfigReader;
import dev.lmgate.spi.FilterDescription;
import dev.lmgate.spi.FilterEnvironment;
import dev.lmgate.spi.FilterFactory;
import dev.lmgate.spi.FilterSettings;
import dev.lmgate.spi.GatewayFilter;
import dev.lmgate.spi.Rejection;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code model-policy}: which models anyone may use, on top of the roles' model lists — a global
 * allowlist and denylist of model globs — and, optionally, that a model's files on disk are the
 * ones the integrity manifest names. A model whose check failed is refused ({@code 403
 * model_integrity_failed}) until its files match again; one not yet checked since start waits
 * ({@code 503 model_integrity_pending}); one the manifest does not list follows {@code unlisted}.
 * Requests that name no model (model lists, the greeting) pass.
 */
public final class ModelPolicyFilter extends BaseFilter {
  public static final String ID = "model-policy";

  /** What happens to a model the integrity manifest does not list. */
  public enum Unlisted {
    ALLOW,
    BLOCK
  }

  private final List<Glob> allow;
  private final List<Glob> deny;
  private final ModelIntegrity integrity; // null: no integrity checks
  private final Unlisted unlisted;

  public ModelPolicyFilter(
      FilterSettings settings,
      List<Glob> allow,
      List<Glob> deny,
      ModelIntegrity integrity,
      Unlisted unlisted) {
    super(ID, settings);
    this.allow = List.copyOf(allow);
    this.deny = List.copyOf(deny);
    this.integrity = integrity;
    this.unlisted = unlisted;
  }

  @Override
  public CompletionStage<Verdict> onRequest(RequestView request) {
    return CompletableFuture.completedFuture(decide(request.conversation().model()));
  }

  Verdict decide(String model) {
    if (model == null || model.isEmpty()) {
      return Verdict.pass();
    }
    if (Glob.any(deny, model)) {
      return refuse(403, "model_denied", "The model " + model + " is not allowed on this gateway.");
    }
    if (!allow.isEmpty() && !Glob.any(allow, model)) {
      return refuse(
          403, "model_not_allowed", "The model " + model + " is not allowed on this gateway.");
    }
    if (integrity == null) {
      return Verdict.pass();
    }
    ModelIntegrity.Status s = integrity.status(model);
    if (s == null) {
      return unlisted == Unlisted.ALLOW
          ? Verdict.pass()
          : refuse(
              403,
              "model_not_verified",
              "The model " + model + " is not in the gateway's integrity manifest.");
    }
    return switch (s) {
      case VERIFIED -> Verdict.pass();
      case PENDING ->
          Verdict.block(
              "model_integrity_pending",
              new Rejection(
                  503,
                  "service_unavailable",
                  "model_integrity_pending",
                  "model",
                  "The model " + model + "'s files are still being verified; try again shortly.",
                  Map.of("retry-after", "30")));
      case FAILED ->
          refuse(
              403,
              "model_integrity_failed",
              "The model "
                  + model
                  + " is blocked: its files do not match the gateway's integrity manifest.");
    };
  }

  private static Verdict refuse(int status, String code, String message) {
    return Verdict.block(
        code, new Rejection(status, "permission_error", code, "model", message, Map.of()));
  }

  /** Builds the filter from YAML (docs/operations.md). */
  public static final class Factory implements FilterFactory {
    @Override
    public FilterDescription describe() {
      return FilterDescription.of(
              ID,
              FilterDescription.Stage.WHO_AND_WHETHER,
              "Allows and denies models for everyone, and checks model files against a SHA-256 manifest.",
              "filters.md#model-policy")
          .handbook(7)
          .keys("allow", "deny", "integrity");
    }

    @Override
    public GatewayFilter create(ConfigReader r, FilterSettings settings, FilterEnvironment env)
        throws ConfigException {
      List<Glob> allow = globs(r, "allow");
      List<Glob> deny = globs(r, "deny");
      ModelIntegrity integrity = null;
      Unlisted unlisted = Unlisted.ALLOW;
      if (r.has("integrity")) {
        ConfigReader i =
            r.child("integrity").only(Set.of("models-dir", "manifest", "check-every", "unlisted"));
        Path dir = Path.of(i.requiredString("models-dir"));
        if (!Files.isDirectory(dir)) {
          throw new ConfigException(i.path() + ".models-dir", dir.toString(), "a directory");
        }
        Path file = Path.of(i.requiredString("manifest"));
        ModelManifest manifest;
        try {
          manifest = ModelManifest.read(file);
        } catch (IOException e) {
          throw new ConfigException(
              i.path() + ".manifest", file.toString(), "a model manifest (" + e.getMessage() + ")");
        }
        Duration every = i.duration("check-every", Duration.ofHours(6));
        unlisted = i.enumValue("unlisted", Unlisted.class, Unlisted.BLOCK);
        integrity =
            env.shared(
                "model-integrity:"
                    + file.toAbsolutePath()
                    + ":"
                    + dir.toAbsolutePath()
                    + ":"
                    + every,
                ModelIntegrity.class,
                () -> new ModelIntegrity(manifest, dir, env.clock(), env.events()));
        ModelIntegrity checked = integrity;
        env.whenAccepted(() -> checked.start(every)); // not for a r.node() that is rejected
      }
      return new ModelPolicyFilter(settings, allow, deny, integrity, unlisted);
    }

    private static List<Glob> globs(ConfigReader r, String key) throws ConfigException {
      List<Glob> out = new ArrayList<>();
      if (r.has(key)) {
        for (String g : r.strings(key)) {
          out.add(new Glob(g));
        }
      }
      return out;
    }
  }
}
