package dev.lmgate.filters.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers of one key store — {@code lmgate keys} in other processes, the admin API and the CLI in
 * this one — never lose each other's changes, agree on one pepper, and leave the store and its
 * pepper readable by their owner only.
 */
class KeyStoreWritersTest {
  static final int EACH = 15;
  @TempDir Path dir;

  /** Starts a JVM that creates {@code count} keys in {@code store}, listing them in {@code out}. */
  static Process writer(Path store, int count, Path out) throws Exception {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            KeyStoreWriterProcess.class.getName(),
            store.toString(),
            Integer.toString(count),
            out.toString())
        .redirectErrorStream(true)
        .start();
  }

  @Test
  void concurrentWritersInTwoProcessesAndTwoThreadsAllLandAndShareOnePepper() throws Exception {
    Path store = dir.resolve("keys.json");
    Path outA = dir.resolve("a.keys");
    Path outB = dir.resolve("b.keys");
    // Both processes start on a store that does not exist yet: they race to create the pepper too.
    Process a = writer(store, EACH, outA);
    Process b = writer(store, EACH, outB);
    CompletableFuture<String> aOut = output(a);
    CompletableFuture<String> bOut = output(b);

    // Meanwhile two independent stores on the same file in this JVM, from two threads.
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<List<String>>> local = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      local.add(
          CompletableFuture.supplyAsync(
              () -> {
                List<String> issued = new ArrayList<>();
                try {
                  go.await();
                  try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
                    KeyAdmin admin = new KeyAdmin(s, Clock.systemUTC());
                    for (int i = 0; i < EACH; i++) {
                      issued.add(
                          admin
                              .create(
                                  "t" + thread + "-" + i,
                                  "here",
                                  List.of("developer"),
                                  List.of(),
                                  null)
                              .key());
                    }
                  }
                } catch (Exception e) {
                  throw new AssertionError("writer thread " + thread + " failed", e);
                }
                return issued;
              }));
    }
    go.countDown();
    List<String> issued = new ArrayList<>();
    for (CompletableFuture<List<String>> f : local) {
      issued.addAll(f.get(120, TimeUnit.SECONDS));
    }
    assertThat(a.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(b.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(a.exitValue()).as("process A: %s", aOut.get(5, TimeUnit.SECONDS)).isZero();
    assertThat(b.exitValue()).as("process B: %s", bOut.get(5, TimeUnit.SECONDS)).isZero();
    issued.addAll(Files.readAllLines(outA));
    issued.addAll(Files.readAllLines(outB));
    assertThat(issued).hasSize(4 * EACH);

    try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
      assertThat(s.list()).hasSize(4 * EACH);
      for (String key : issued) {
        ApiKeys.Parsed p = ApiKeys.parse(key).orElseThrow();
        KeyRecord r = s.find(p.id()).orElseThrow(() -> new AssertionError("lost: " + p.id()));
        assertThat(s.verify(r, p.secret())).as("key %s verifies", p.id()).isTrue();
      }
    }
  }

  @Test
  void theStoreAndItsPepperAreOwnerOnlyFromTheMomentTheyAppear() throws Exception {
    // A file created with the umask's mode and chmod-ed afterwards is readable by others for a
    // moment (and a descriptor opened then keeps that access). A probe reads the modes of the next
    // store's files as fast as it can while the store is created: with the mode given at creation
    // it never sees a group or other bit, however the two threads interleave.
    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicReference<Path> next = new AtomicReference<>(dir.resolve("keys-0.json"));
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Void> probe =
        CompletableFuture.runAsync(
            () -> {
              while (!done.get()) {
                Path store = next.get();
                for (Path f :
                    List.of(
                        store,
                        store.resolveSibling(store.getFileName() + ".pepper"),
                        store.resolveSibling(store.getFileName() + ".lock"))) {
                  try {
                    String m = mode(f);
                    if (!m.endsWith("------")) {
                      seen.add(f.getFileName() + " " + m);
                    }
                  } catch (Exception notYet) {
                    // not created yet
                  }
                }
              }
            });
    try {
      for (int i = 0; i < 200; i++) {
        Path store = dir.resolve("keys-" + i + ".json");
        next.set(store);
        try (FileKeyStore s = FileKeyStore.open(store, "", false)) {
          new KeyAdmin(s, Clock.systemUTC()).create("a", "", List.of("developer"), List.of(), null);
        }
        assertThat(mode(store)).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("keys-" + i + ".json.pepper"))).isEqualTo("rw-------");
      }
    } finally {
      done.set(true);
    }
    probe.get(60, TimeUnit.SECONDS);
    assertThat(seen).as("files seen with group or other permissions").isEmpty();
  }

  static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static CompletableFuture<String> output(Process p) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          } catch (java.io.IOException e) {
            return e.toString();
          }
        });
  }
}
