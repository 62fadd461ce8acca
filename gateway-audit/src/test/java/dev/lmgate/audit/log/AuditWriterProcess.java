package dev.lmgate.audit.log;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lmgate.audit.checkpoint.SigningKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A second process for {@link WriterLockTest}: {@code <dir> <signing key file>} opens the audit log
 * of {@code dir} and answers commands on stdin, one per line, each acknowledged on stdout: {@code
 * append} (a record, durable), {@code torn} (half a record, as a write cut short by a crash leaves
 * it), {@code close}. When the log cannot be opened it prints {@code REFUSED <message>} and exits
 * 3.
 */
public final class AuditWriterProcess {
  private AuditWriterProcess() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    SigningKey key = SigningKey.load(Path.of(args[1]));
    LogSettings settings = LogSettings.defaults(dir);
    AuditLog log;
    try {
      log = AuditLog.open(settings, key, Clock.systemUTC(), new AuditLog.Observer() {});
    } catch (java.io.IOException e) {
      System.out.println("REFUSED " + e.getMessage());
      System.out.flush();
      System.exit(3);
      return;
    }
    System.out.println("OPEN " + ProcessHandle.current().pid());
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line) {
        case "append" ->
            log.append(JsonNodeFactory.instance.objectNode().put("kind", "exchange"))
                .get(30, TimeUnit.SECONDS);
        case "torn" -> {
          Path seg = LogReader.segments(settings.segments()).get(0);
          Files.writeString(seg, "{\"kind\":\"exchange\",\"se", StandardOpenOption.APPEND);
        }
        case "close" -> log.close();
        default -> throw new IllegalArgumentException(line);
      }
      System.out.println("DONE " + line);
      System.out.flush();
    }
  }
}
