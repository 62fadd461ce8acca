package dev.lmgate.filters;

import dev.lmgate.spi.SecurityEvent;
import dev.lmgate.spi.SecurityEventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the security events filters emit. */
public final class RecordingEvents implements SecurityEventSink {
  public final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void emit(SecurityEvent event) {
    events.add(event);
  }

  public SecurityEvent last() {
    return events.get(events.size() - 1);
  }
}
