package dev.lmgate.core.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a PEM text comes from: a file (re-read at each check) or a secret kept fresh elsewhere.
 * {@link #toString} names the source, never the text.
 */
public interface PemSource {
  /** The current PEM text; may block (called off the event loop). */
  String read() throws IOException;

  /** A PEM file. */
  static PemSource file(Path path) {
    return new File(path);
  }

  /** A PEM file, compared by path. */
  record File(Path path) implements PemSource {
    @Override
    public String read() throws IOException {
      return Files.readString(path, StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
      return path.toString();
    }
  }
}
