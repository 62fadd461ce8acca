package dev.lmgate.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The leak check every test class gets (JUnit auto-detection): {@link NettyLeakCheck} where Netty
 * is on the class path, nothing in the modules that must never see Netty (this class does not touch
 * it, so it loads there).
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final boolean NETTY = present("io.netty.util.ResourceLeakDetectorFactory");

  private final BeforeAllCallback before;
  private final AfterAllCallback after;

  public LeakCheck() {
    if (NETTY) {
      NettyLeakCheck netty = new NettyLeakCheck();
      before = netty;
      after = netty;
    } else {
      before = context -> {};
      after = context -> {};
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    before.beforeAll(context);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    after.afterAll(context);
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, LeakCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
