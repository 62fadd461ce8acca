package dev.lmgate.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads {@code ../shared/fixtures/lmstudio}, where CI and developers have it (read-only). */
public final class SharedFixtures {
  private SharedFixtures() {}

  public static Path dir() {
    String shared = System.getProperty("lmgate.shared.dir", "../../shared");
    Path p = Path.of(shared, "fixtures", "lmstudio");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException(
          "fixtures not found at "
              + p.toAbsolutePath()
              + " (../shared must sit beside the checkout)");
    }
    return p;
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(dir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> names(String suffix) {
    try (Stream<Path> s = Files.list(dir())) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(suffix))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
