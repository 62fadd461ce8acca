package dev.lmgate.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lmgate.audit.checkpoint.SigningKey;
import dev.lmgate.audit.verify.AuditVerifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer per audit directory: a second writer — another process, or another open in this one —
 * is refused at once, naming the holder; readers still read while the writer writes; and a writer
 * killed mid-write leaves a torn tail that the next writer repairs as a crash, naming the writer
 * that died.
 */
class WriterLockTest {
  @TempDir Path dir;
  SigningKey key;
  Path keyFile;
  LogSettings settings;
  final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    keyFile = dir.resolve("signing.key");
    key = SigningKey.loadOrCreate(keyFile, "lmgate.audit/test");
    settings = LogSettings.defaults(dir.resolve("audit"));
  }

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  /** A writer process on the test's audit directory, with its stdin and stdout. */
  final class Writer2 {
    final Process process;
    final Writer in;
    final BufferedReader out;

    Writer2() throws Exception {
      process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  AuditWriterProcess.class.getName(),
                  dir.resolve("audit").toString(),
                  keyFile.toString())
              .redirectErrorStream(true)
              .start();
      processes.add(process);
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The next line the process prints that starts with one of the protocol's words. */
    String next() throws Exception {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("OPEN ") || line.startsWith("REFUSED ") || line.startsWith("DONE ")) {
          return line;
        }
      }
      return "EXITED " + process.waitFor();
    }

    String command(String c) throws Exception {
      in.write(c + "\n");
      in.flush();
      return next();
    }
  }

  AuditLog open() throws Exception {
    return AuditLog.open(settings, key, Clock.systemUTC(), new AuditLog.Observer() {});
  }

  @Test
  void aSecondProcessIsRefusedAtOnceNamingTheHolder() throws Exception {
    try (AuditLog log = open()) {
      log.append(JsonNodeFactory.instance.objectNode().put("kind", "exchange")).get();
      Writer2 second = new Writer2();
      String answer = second.next();
      assertThat(answer)
          .startsWith("REFUSED ")
          .contains("is being written by another process")
          .contains("pid " + ProcessHandle.current().pid())
          .contains("lock taken")
          .contains("audit.dir");
      assertThat(second.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(second.process.exitValue()).isEqualTo(3);
      log.append(JsonNodeFactory.instance.objectNode().put("kind", "exchange")).get();
    }
    assertThat(verify().intact()).isTrue();
    assertThat(LogReader.read(settings.segments()).entries()).hasSize(2);
  }

  @Test
  void whileAnotherProcessWritesThisOneIsRefusedAndReadersStillRead() throws Exception {
    Writer2 first = new Writer2();
    assertThat(first.next()).isEqualTo("OPEN " + first.process.pid());
    assertThat(first.command("append")).isEqualTo("DONE append");
    assertThatThrownBy(this::open)
        .isInstanceOf(WriterLock.Locked.class)
        .hasMessageContaining("pid " + first.process.pid())
        .hasMessageContaining(dir.resolve("audit").resolve("segments").toString());
    assertThat(first.command("append")).isEqualTo("DONE append");
    // verify, show and export read without the lock while the writer runs
    assertThat(LogReader.read(settings.segments()).entries()).hasSize(2);
    assertThat(first.command("close")).isEqualTo("DONE close");
    assertThat(verify().intact()).isTrue();
    try (AuditLog log = open()) {
      assertThat(log.size()).isEqualTo(2);
    }
  }

  @Test
  void aWriterKilledMidWriteIsRecoveredAsACrashNamingIt() throws Exception {
    Writer2 first = new Writer2();
    assertThat(first.next()).startsWith("OPEN ");
    assertThat(first.command("append")).isEqualTo("DONE append");
    assertThat(first.command("torn")).isEqualTo("DONE torn");
    first.process.destroyForcibly(); // SIGKILL: the OS releases its lock
    assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    try (AuditLog log = open()) {
      assertThat(log.size()).isEqualTo(2); // its record and the recovery note
    }
    JsonNode recovery = LogReader.read(settings.segments()).entries().get(1).json();
    assertThat(recovery.path("kind").asText()).isEqualTo("recovery");
    assertThat(recovery.path("detail").asText())
        .contains("incomplete last record")
        .contains("pid " + first.process.pid())
        .contains("a crash");
    assertThat(recovery.path("crashed_writer").path("pid").asLong()).isEqualTo(first.process.pid());
    assertThat(verify().intact()).isTrue();
  }

  @Test
  void aWriterKilledBetweenWritesIsRecordedAsACrashWithNothingCutOff() throws Exception {
    Writer2 first = new Writer2();
    assertThat(first.next()).startsWith("OPEN ");
    assertThat(first.command("append")).isEqualTo("DONE append");
    first.process.destroyForcibly();
    assertThat(first.process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    try (AuditLog log = open()) {
      assertThat(log.size()).isEqualTo(2);
    }
    JsonNode recovery = LogReader.read(settings.segments()).entries().get(1).json();
    assertThat(recovery.path("kind").asText()).isEqualTo("recovery");
    assertThat(recovery.path("truncated_bytes").asLong()).isZero();
    assertThat(recovery.path("detail").asText()).contains("a crash").contains("intact");
    assertThat(recovery.path("crashed_writer").path("pid").asLong()).isEqualTo(first.process.pid());
    // a clean close leaves nothing to report at the next open
    try (AuditLog log = open()) {
      assertThat(log.size()).isEqualTo(2);
    }
  }

  @Test
  void aSecondOpenInThisProcessIsRefusedUntilTheFirstCloses() throws Exception {
    AuditLog first = open();
    assertThatThrownBy(this::open)
        .isInstanceOf(WriterLock.Locked.class)
        .hasMessageContaining("another writer in this process")
        .hasMessageContaining("pid " + ProcessHandle.current().pid());
    first.close();
    try (AuditLog again = open()) {
      assertThat(again.size()).isZero();
    }
  }

  @Test
  void twoLogsCannotSignIntoOneCheckpointDirectory() throws Exception {
    Path shared = dir.resolve("worm-checkpoints");
    try (AuditLog a =
        AuditLog.open(
            LogSettings.defaults(dir.resolve("a")).withCheckpoints(shared),
            key,
            Clock.systemUTC(),
            new AuditLog.Observer() {})) {
      assertThatThrownBy(
              () ->
                  AuditLog.open(
                      LogSettings.defaults(dir.resolve("b")).withCheckpoints(shared),
                      key,
                      Clock.systemUTC(),
                      new AuditLog.Observer() {}))
          .isInstanceOf(WriterLock.Locked.class)
          .hasMessageContaining(shared.toString());
      // b's segment directory was released again: b opens once it has its own checkpoints
      try (AuditLog b =
          AuditLog.open(
              LogSettings.defaults(dir.resolve("b")),
              key,
              Clock.systemUTC(),
              new AuditLog.Observer() {})) {
        assertThat(b.size()).isZero();
      }
    }
  }

  @Test
  void recordsSplitInTheMiddleOfTheLogAreTamperingNotACrash() throws Exception {
    try (AuditLog log = open()) {
      for (int i = 0; i < 3; i++) {
        log.append(JsonNodeFactory.instance.objectNode().put("kind", "exchange")).get();
      }
    }
    // What two unlocked writers produce: one record's line cut in two around another's.
    Path seg = LogReader.segments(settings.segments()).get(0);
    List<String> lines = new ArrayList<>(Files.readAllLines(seg));
    String second = lines.get(1);
    lines.set(1, second.substring(0, 20));
    lines.add(2, second.substring(20));
    Files.write(seg, lines);
    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(AuditLogException.class, e -> assertThat(e.tampered()).isTrue())
        .hasMessageContaining("line 2");
    assertThat(LogReader.read(settings.segments()).count()).isEqualTo(1);
  }

  @Test
  void aWholeLastLineThatIsNotARecordIsTamperingNotACrash() throws Exception {
    try (AuditLog log = open()) {
      for (int i = 0; i < 3; i++) {
        log.append(JsonNodeFactory.instance.objectNode().put("kind", "exchange")).get();
      }
    }
    // A crash can leave a last line without its newline, never a whole line that is not a record.
    Path seg = LogReader.segments(settings.segments()).get(0);
    List<String> lines = new ArrayList<>(Files.readAllLines(seg));
    lines.set(2, lines.get(2).replace("{", "<"));
    Files.write(seg, lines);
    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(AuditLogException.class, e -> assertThat(e.tampered()).isTrue())
        .hasMessageContaining("not a JSON record");
    assertThat(Files.readAllLines(seg)).hasSize(3); // nothing cut off
  }

  AuditVerifier.Report verify() throws Exception {
    return AuditVerifier.verify(settings.segments(), settings.checkpoints(), key.verifier());
  }
}
