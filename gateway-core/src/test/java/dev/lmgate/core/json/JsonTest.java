package dev.lmgate.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aNumberJacksonCannotHoldIsNotJsonRatherThanAnException() {
    // found by DialectFuzzTest: Jackson throws NumberFormatException (not an IOException) here,
    // which escaped to the exchange and answered 500 instead of 400 invalid_json
    byte[] body =
        "{\"model\":\"m\",\"temperature\":-666666666666666666666666666666666666E6666666666666666}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(Json.parse(body)).isEmpty();
    assertThat(Json.parse("{\"a\":1.5E3}".getBytes(StandardCharsets.UTF_8))).isPresent();
  }
}
