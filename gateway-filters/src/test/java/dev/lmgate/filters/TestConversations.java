package dev.lmgate.filters;

import dev.lmgate.spi.Conversation;
import dev.lmgate.spi.Message;
import dev.lmgate.spi.TextPart;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Conversations as the core's dialect reader would build them, for content-filter tests. */
public final class TestConversations {
  private TestConversations() {}

  /** One user message. */
  public static Conversation user(String text) {
    return chat("user", text);
  }

  /**
   * Messages given as role, text, role, text, ...; message N at {@code /messages/N}, its text at
   * {@code /messages/N/content}.
   */
  public static Conversation chat(String... roleAndText) {
    List<Message> m = new ArrayList<>();
    for (int i = 0; i < roleAndText.length; i += 2) {
      m.add(
          new Message(
              roleAndText[i],
              List.of(new TextPart("/messages/" + i / 2 + "/content", roleAndText[i + 1])),
              List.of(),
              "",
              "/messages/" + i / 2));
    }
    return new Conversation("m", false, m, List.of(), List.of(), OptionalLong.empty(), "");
  }
}
