package dev.lmgate.core.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O transport: Linux's native epoll where it loads (fewer system calls and copies than NIO),
 * NIO elsewhere. Server and upstream channels must use the same transport, since an upstream
 * connection runs on its client's event loop. {@code -Dlmgate.transport=nio} forces NIO.
 */
public final class Transport {
  private static final boolean EPOLL =
      "epoll".equals(System.getProperty("lmgate.transport")) && Epoll.isAvailable();

  private Transport() {}

  public static String name() {
    return EPOLL ? "epoll" : "nio";
  }

  public static EventLoopGroup group(int threads) {
    return new MultiThreadIoEventLoopGroup(
        threads, EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public static Class<? extends SocketChannel> socketChannel() {
    return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
