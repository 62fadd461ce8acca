package dev.lmgate.audit.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.audit.checkpoint.FilePermissions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** ECS records as JSON lines, appended to a file (0600) or written to stdout. */
public final class JsonLinesSink implements RecordSink {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final OutputStream out;
  private final boolean owned;

  private JsonLinesSink(OutputStream out, boolean owned) {
    this.out = out;
    this.owned = owned;
  }

  public static JsonLinesSink stdout() {
    return new JsonLinesSink(System.out, false);
  }

  public static JsonLinesSink file(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    FilePermissions.createOwnerOnly(file); // owner-only from the start, not chmod-ed later
    OutputStream o = Files.newOutputStream(file, StandardOpenOption.APPEND);
    return new JsonLinesSink(o, true);
  }

  @Override
  public void send(ObjectNode ecs, String severity) throws IOException {
    byte[] json = MAPPER.writeValueAsBytes(ecs);
    byte[] line = Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    synchronized (out) {
      // One write per line, newline included: the file is opened for appending, so the kernel
      // places each write whole at the end and lines of another writer of the same file (a second
      // gateway exporting there) never split one of ours.
      out.write(line);
      out.flush();
    }
  }

  @Override
  public void close() {
    if (owned) {
      try {
        out.close();
      } catch (IOException e) {
        // nothing left to do
      }
    }
  }
}
