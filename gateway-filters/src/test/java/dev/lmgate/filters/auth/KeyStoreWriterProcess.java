package dev.lmgate.filters.auth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;

/**
 * A second process for {@link KeyStoreWritersTest}: {@code <store> <count> <out>} creates {@code
 * count} keys in the store (creating the store and its pepper when missing) and appends each issued
 * key to {@code out}, a file in the test's temporary directory, so the test can check it
 * authenticates.
 */
public final class KeyStoreWriterProcess {
  private KeyStoreWriterProcess() {}

  public static void main(String[] args) throws Exception {
    Path store = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    Path out = Path.of(args[2]);
    try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
      KeyAdmin admin = new KeyAdmin(s, Clock.systemUTC());
      for (int i = 0; i < count; i++) {
        String key =
            admin.create("p" + i, "other-process", List.of("developer"), List.of(), null).key();
        Files.writeString(out, key + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    }
  }
}
