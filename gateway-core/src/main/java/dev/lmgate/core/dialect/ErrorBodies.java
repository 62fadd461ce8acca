package dev.lmgate.core.dialect;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lmgate.core.json.Json;
import dev.lmgate.spi.Dialect;
import dev.lmgate.spi.Rejection;

/**
 * Renders a gateway error in the shape the client's API uses, so that SDKs surface the message:
 * OpenAI {@code {"error":{message,type,param,code}}}, Anthropic {@code
 * {"type":"error","error":{type,message}}}, LM Studio native {@code
 * {"error":{type,message,code,param}}}.
 */
public final class ErrorBodies {

  private ErrorBodies() {}

  public static byte[] render(Dialect dialect, Rejection r) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    switch (dialect) {
      case ANTHROPIC -> {
        root.put("type", "error");
        root.putObject("error").put("type", anthropicType(r)).put("message", r.message());
      }
      case LMSTUDIO_V1 -> {
        ObjectNode e =
            root.putObject("error")
                .put("type", lmStudioType(r.type()))
                .put("message", r.message())
                .put("code", r.code());
        if (!r.param().isEmpty()) {
          e.put("param", r.param());
        }
      }
      default -> {
        ObjectNode e = root.putObject("error").put("message", r.message()).put("type", r.type());
        if (r.param().isEmpty()) {
          e.putNull("param");
        } else {
          e.put("param", r.param());
        }
        e.put("code", r.code());
      }
    }
    return Json.write(root);
  }

  /**
   * LM Studio's native API names two error types its own way; filters write OpenAI's names and
   * never need to know which API a route speaks.
   */
  private static String lmStudioType(String type) {
    return switch (type) {
      case "invalid_request_error" -> "invalid_request";
      case "permission_error" -> "permission_denied";
      default -> type;
    };
  }

  /** Anthropic's error types follow the status. */
  private static String anthropicType(Rejection r) {
    return switch (r.status()) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      default -> r.status() >= 500 ? "api_error" : "invalid_request_error";
    };
  }
}
