package dev.lmgate.audit.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Somewhere exported records go (a file, stdout, a syslog server). Called on one thread. */
public interface RecordSink extends AutoCloseable {
  /** Sends one ECS-mapped record; an {@link IOException} makes the exporter retry later. */
  void send(ObjectNode ecs, String severity) throws IOException;

  @Override
  void close();
}
