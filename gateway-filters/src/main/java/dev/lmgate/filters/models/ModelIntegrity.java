package dev.lmgate.filters.models;

import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integrity of the models a manifest lists, checked off the event loops at start and then every
 * {@code period}: each model is {@code PENDING} until its first check, then {@code VERIFIED} or
 * {@code FAILED}. A failure (and a recovery) is a {@code model_integrity} security event; a failure
 * also raises a critical alert. Shared by the filter instances of every config reload.
 */
public final class ModelIntegrity implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelIntegrity.class);

  /** Where a model stands. */
  public enum Status {
    PENDING,
    VERIFIED,
    FAILED
  }

  private final ModelManifest manifest;
  private final Path modelsDir;
  private final Clock clock;
  private final SecurityEventSink events;
  private final Map<String, Status> status = new ConcurrentHashMap<>();
  private final Map<String, List<String>> problems = new ConcurrentHashMap<>();
  private final ScheduledExecutorService checker;

  /** Every listed model starts {@code PENDING}; {@link #start} begins the checks. */
  public ModelIntegrity(
      ModelManifest manifest, Path modelsDir, Clock clock, SecurityEventSink events) {
    this.manifest = manifest;
    this.modelsDir = modelsDir;
    this.clock = clock;
    this.events = events;
    manifest.models().keySet().forEach(m -> status.put(m, Status.PENDING));
    this.checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lmgate-model-integrity");
              t.setDaemon(true);
              return t;
            });
  }

  /** Checks now (in the background) and then every {@code period}. */
  private final java.util.concurrent.atomic.AtomicBoolean started =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Starts the periodic check; later calls do nothing (configs share one checker). */
  public ModelIntegrity start(Duration period) {
    if (started.compareAndSet(false, true)) {
      checker.scheduleWithFixedDelay(
          this::checkAll, 0, Math.max(1, period.toMillis()), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** The model's status; null when the manifest does not list it. */
  public Status status(String model) {
    return status.get(model);
  }

  public List<String> problems(String model) {
    return problems.getOrDefault(model, List.of());
  }

  /** Checks every listed model now (on the calling thread). */
  public void checkAll() {
    for (String model : manifest.models().keySet()) {
      List<String> found = manifest.verify(modelsDir, model);
      Status before = status.get(model);
      if (found.isEmpty()) {
        status.put(model, Status.VERIFIED);
        problems.remove(model);
        if (before == Status.FAILED) {
          event("recovered", model, "every file matches the manifest again");
        }
      } else {
        status.put(model, Status.FAILED);
        problems.put(model, List.copyOf(found));
        if (before != Status.FAILED) {
          log.error("model {} fails its integrity check: {}", model, found);
          event("mismatch", model, String.join("; ", found));
        }
      }
    }
  }

  private void event(String reason, String model, String detail) {
    events.emit(
        new SecurityEvent(
            clock.instant(),
            SecurityEvent.Type.MODEL_INTEGRITY,
            reason,
            "",
            "",
            "",
            "",
            "model " + model + ": " + detail));
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }
}
