package dev.lmgate.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The leak check every test class gets fails a class that loses a buffer, and only then. */
class LeakCheckTest {

  @Test
  void aLostBufferFailsTheClassAndAReleasedOneDoesNot() {
    LeakCheck check = new LeakCheck();
    ExtensionContext context = context("LeakCheckTest");
    assertThatCode(() -> check.beforeAll(context)).doesNotThrowAnyException();

    ByteBuf kept = PooledByteBufAllocator.DEFAULT.buffer(16);
    kept.writeInt(1);
    kept.release();
    assertThatCode(() -> check.afterAll(context)).doesNotThrowAnyException();

    lose();
    assertThatThrownBy(() -> check.afterAll(context))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Netty reported buffer leaks in LeakCheckTest");
  }

  /** Allocates a buffer and drops it unreleased (surefire runs with paranoid detection). */
  private static void lose() {
    ByteBuf lost = PooledByteBufAllocator.DEFAULT.buffer(16);
    lost.writeInt(2);
  }

  private static ExtensionContext context(String name) {
    return (ExtensionContext)
        Proxy.newProxyInstance(
            LeakCheckTest.class.getClassLoader(),
            new Class<?>[] {ExtensionContext.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getDisplayName")) {
                return name;
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
