package dev.lmgate.core.chain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lmgate.core.dialect.BodyEdits;
import dev.lmgate.core.dialect.DialectCodec;
import dev.lmgate.core.dialect.ResponseReader;
import dev.lmgate.spi.Edit;
import dev.lmgate.spi.OutputText;
import dev.lmgate.spi.RequestView;
import dev.lmgate.spi.ResponseView;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The core's side of a whole (non-streamed) {@link ResponseView}. */
public final class ResponseContext implements ResponseView {
  private final RequestView request;
  private final int status;
  private final JsonNode json;
  private List<OutputText> outputs;
  private boolean modified;

  public ResponseContext(RequestView request, int status, JsonNode json) {
    this.request = request;
    this.status = status;
    this.json = json;
    this.outputs = ResponseReader.read(request.route(), json);
  }

  @Override
  public RequestView request() {
    return request;
  }

  @Override
  public int status() {
    return status;
  }

  @Override
  public Optional<JsonNode> json() {
    return Optional.ofNullable(json);
  }

  @Override
  public List<OutputText> outputs() {
    return outputs;
  }

  @Override
  public Map<String, String> toolNames() {
    return json == null || !json.isObject()
        ? Map.of()
        : DialectCodec.of(request.route().operation()).toolNames(json);
  }

  public boolean modified() {
    return modified;
  }

  public void apply(List<Edit> edits) {
    if (json == null) {
      throw new IllegalStateException("edits on a response without a JSON body");
    }
    BodyEdits.apply(DialectCodec.of(request.route().operation()), json, edits);
    outputs = ResponseReader.read(request.route(), json);
    modified = true;
  }
}
