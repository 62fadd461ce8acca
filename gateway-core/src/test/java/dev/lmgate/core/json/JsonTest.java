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

  @Test
  void textAndItsBytesParseAlike() {
    // a stream event's data is parsed from its decoded text: it must accept and refuse what the
    // bytes would
    for (String t :
        new String[] {
          "{\"choices\":[{\"delta\":{\"content\":\"h\u00e9\"}}]}",
          "{\"a\":1,\"a\":2}",
          "{\"t\":-666666666666666666666666666666666666E6666666666666666}",
          "{\"a\":",
          "[1,2]",
          "not json",
          ""
        }) {
      assertThat(Json.parse(t))
          .as("%s", t)
          .isEqualTo(Json.parse(t.getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(Json.parse("{\"a\":1,\"a\":2}")).as("duplicate keys refused").isEmpty();
  }
}
