package dev.lmgate.testkit;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a buffer leak. Installs a leak detector that records
 * reports instead of only logging them; after the class, forces collection so that leaked buffers
 * are found, and fails with the leak records. Reached through {@link LeakCheck}, registered for
 * every test through the JUnit extension auto-detection ({@code META-INF/services}), and only where
 * Netty is on the class path; surefire sets {@code paranoid} detection.
 */
final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final List<String> LEAKS = new ArrayList<>();
  private static volatile boolean installed;

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(20); // lets the reference handler enqueue collected buffers; teardown only
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // Allocating through the tracked detector drains its reference queue and reports leaks.
      io.netty.buffer.ByteBuf b = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1);
      b.release();
    }
    synchronized (LEAKS) {
      if (!LEAKS.isEmpty()) {
        String report = String.join("\n\n", LEAKS);
        LEAKS.clear();
        throw new AssertionError(
            "Netty reported buffer leaks in " + context.getDisplayName() + ":\n" + report);
      }
    }
  }

  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          @SuppressWarnings("deprecation")
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
              @Override
              protected void reportTracedLeak(String resourceType, String records) {
                super.reportTracedLeak(resourceType, records);
                synchronized (LEAKS) {
                  LEAKS.add(resourceType + records);
                }
              }

              @Override
              protected void reportUntracedLeak(String resourceType) {
                super.reportUntracedLeak(resourceType);
                synchronized (LEAKS) {
                  LEAKS.add(resourceType + " (untraced)");
                }
              }
            };
          }
        });
  }
}
