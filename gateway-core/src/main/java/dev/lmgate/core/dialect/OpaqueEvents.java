package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputText;
import java.util.List;

/** A stream of a route without model text: nothing to inspect. */
final class OpaqueEvents extends StreamAdapter {
  @Override
  void readPieces(String type, JsonNode data, List<OutputText> out) {}

  @Override
  public boolean isFinal(SseEvent event, JsonNode data) {
    return false;
  }

  @Override
  public byte[] blockedEnding(String message) {
    return new byte[0];
  }
}
