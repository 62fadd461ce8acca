package dev.lmgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real {@code redis-server} for a test: started on a free loopback port with no persistence, in a
 * directory of its own, and stopped by its PID. It can be stopped and started again on the same
 * port (an outage and its recovery). {@code .ci/run} installs {@code redis-server} when the machine
 * lacks it. {@code DEBUG} is enabled for local connections ({@link #stall}).
 */
public final class RedisServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private RedisServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server on a free port. */
  public static RedisServer start() {
    try {
      int port = LoopbackPorts.free();
      RedisServer r = new RedisServer(Files.createTempDirectory("lmgate-redis"), port);
      r.restart();
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code redis://127.0.0.1:PORT} */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** Starts the server again after {@link #stop} (its data is gone: nothing is persisted). */
  public void restart() {
    if (process != null && process.isAlive()) {
      return;
    }
    try {
      process =
          new ProcessBuilder(
                  List.of(
                      "redis-server",
                      "--bind",
                      "127.0.0.1",
                      "--port",
                      Integer.toString(port),
                      "--save",
                      "",
                      "--appendonly",
                      "no",
                      "--dir",
                      dir.toString(),
                      "--enable-debug-command",
                      "local"))
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
      if (!Eventually.within(Duration.ofSeconds(10), this::answers)) {
        stop();
        throw new IllegalStateException(
            "redis-server did not start on port "
                + port
                + ": "
                + Files.readString(dir.resolve("redis.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("redis-server could not be started (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean answers() {
    return LoopbackPorts.listening(port);
  }

  /**
   * Makes the server stall for {@code seconds} ({@code DEBUG SLEEP}): it keeps its connections but
   * answers nothing meanwhile, as a server that is swapping or blocked does. Returns at once.
   */
  public void stall(double seconds) {
    try {
      new ProcessBuilder(
              "redis-cli", "-p", Integer.toString(port), "DEBUG", "SLEEP", Double.toString(seconds))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      Thread.sleep(100); // the command reaches the server before the caller goes on
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the server by its PID and waits for it to be gone. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
