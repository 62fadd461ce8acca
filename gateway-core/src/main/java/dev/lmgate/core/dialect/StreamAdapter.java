package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.sse.SseEvent;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One stream's framing, per dialect: which texts an event adds (pieces), which events repeat whole
 * texts (snapshots), and how to end the stream well-formed when the gateway blocks it. Stateful: it
 * remembers what the ending needs (ids, open blocks, choices seen). Pointers are relative to the
 * event's JSON data.
 */
public abstract class StreamAdapter {

  /** Texts this event appends to outputs, keyed as in {@link ResponseReader}. */
  public final List<OutputText> pieces(SseEvent event, JsonNode data) {
    List<OutputText> out = new ArrayList<>();
    if (data != null) {
      readPieces(type(event, data), data, out);
    }
    return out;
  }

  /** Whole texts this event repeats; inspected on their own, as complete outputs. */
  public final List<OutputText> snapshots(SseEvent event, JsonNode data) {
    List<OutputText> out = new ArrayList<>();
    if (data != null) {
      readSnapshots(type(event, data), data, out);
    }
    return out;
  }

  /** Tool-call names this event announces, by the key of the call's arguments output. */
  public final Map<String, String> toolNames(SseEvent event, JsonNode data) {
    return data == null ? Map.of() : readToolNames(type(event, data), data);
  }

  // An event without JSON data ([DONE], or one with empty data) adds, repeats and announces
  // nothing: the dialect is asked the three questions above only for an event with data.

  /** Adds the texts an event of {@code type} appends to outputs. */
  abstract void readPieces(String type, JsonNode data, List<OutputText> out);

  /** Adds the whole texts an event of {@code type} repeats. */
  void readSnapshots(String type, JsonNode data, List<OutputText> out) {}

  /** The tool-call names an event of {@code type} announces. */
  Map<String, String> readToolNames(String type, JsonNode data) {
    return Map.of();
  }

  /** Whether this event ends the answer (nothing more is generated after it). */
  public abstract boolean isFinal(SseEvent event, JsonNode data);

  /**
   * Whether this event tells the client the answer is finished, even if events follow (a chat chunk
   * with a {@code finish_reason}, before the usage chunk and {@code [DONE]}).
   */
  public boolean isFinishing(SseEvent event, JsonNode data) {
    return isFinal(event, data);
  }

  /** The bytes that end a blocked stream well-formed for this dialect. */
  public abstract byte[] blockedEnding(String message);

  /**
   * Like {@link #blockedEnding} but, where the dialect has a place for it, with {@code message}
   * told to the client as the answer's last text (chat completions: the final chunk's content).
   */
  public byte[] explainedEnding(String message) {
    return blockedEnding(message);
  }

  /** A new adapter for one stream of {@code route}. */
  public static StreamAdapter forRoute(Route route) {
    return DialectCodec.of(route.operation()).newStream();
  }

  /** An event's type: its JSON's {@code type}, else the SSE event name. */
  static String type(SseEvent event, JsonNode data) {
    return data.path("type").asText(event.event());
  }

  static byte[] event(String name, JsonNode data) {
    String s =
        (name.isEmpty() ? "" : "event: " + name + "\n") + "data: " + data.toString() + "\n\n";
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static ObjectNode obj() {
    return JsonNodeFactory.instance.objectNode();
  }
}
