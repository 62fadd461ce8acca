package dev.lmgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL 15 for a test: a new cluster ({@code initdb}, trust authentication on loopback
 * only) in a directory of its own, started on a free port and stopped by the PID in its {@code
 * postmaster.pid}. It can be stopped and started again with its data (an outage and its recovery).
 * {@code initdb} refuses to run as root, so as root the cluster belongs to the {@code postgres}
 * user and its commands run as that user ({@code runuser}).
 */
public final class PostgresServer implements AutoCloseable {
  /** Where Debian puts PostgreSQL 15's programs. */
  static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

  private final Path dir;
  private final int port;

  private PostgresServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Creates a cluster and starts it on a free port. */
  public static PostgresServer start() {
    try {
      int port = LoopbackPorts.free();
      Path dir = Files.createTempDirectory("lmgate-postgres");
      PostgresServer p = new PostgresServer(dir, port);
      if (root()) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
      }
      run(
          List.of(
              BIN.resolve("initdb").toString(),
              "-D",
              dir.resolve("data").toString(),
              "-U",
              "postgres",
              "-A",
              "trust",
              "--no-sync"),
          true);
      p.restart();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  /**
   * Runs a command (as {@code postgres} when asked and running as root); fails on a non-zero exit.
   */
  private static void run(List<String> command, boolean asPostgres) throws IOException {
    List<String> full = new ArrayList<>();
    if (asPostgres && root()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres} */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** The libpq form: {@code postgresql://postgres@127.0.0.1:PORT/postgres} */
  public String url() {
    return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  /** Starts the server (again), its data kept. */
  public void restart() {
    if (answers()) {
      return;
    }
    try {
      run(
          List.of(
              BIN.resolve("pg_ctl").toString(),
              "-D",
              dir.resolve("data").toString(),
              "-l",
              dir.resolve("postgres.log").toString(),
              "-o",
              "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
              "-w",
              "start"),
          true);
      if (!Eventually.within(Duration.ofSeconds(20), this::answers)) {
        throw new IllegalStateException("PostgreSQL did not start on port " + port);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL 15 could not be started (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean answers() {
    return LoopbackPorts.listening(port);
  }

  /** Stops the server by its postmaster's PID (fast shutdown) and waits until it is gone. */
  public void stop() {
    Path pidFile = dir.resolve("data").resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return;
      }
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      ProcessHandle.of(pid)
          .ifPresent(
              h -> {
                // SIGINT is PostgreSQL's fast shutdown: sessions are ended, data kept
                try {
                  new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
                  h.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                  h.destroyForcibly();
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
