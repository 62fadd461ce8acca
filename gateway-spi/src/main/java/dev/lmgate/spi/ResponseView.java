package dev.lmgate.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A whole (non-streamed) upstream→gateway response as filters see it. */
public interface ResponseView {

  RequestView request();

  int status();

  /** The parsed body, or empty when it is not JSON. */
  Optional<JsonNode> json();

  /** The answer's texts (content, reasoning, tool-call arguments), in body order. */
  List<OutputText> outputs();

  /** The answer's tool-call names by the key of the call's arguments output. */
  Map<String, String> toolNames();
}
