package dev.lmgate.audit.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the writer appends: a segment file. An interface so that tests can make the disk fail
 * (full, read-only) at a chosen moment.
 */
public interface SegmentFile extends AutoCloseable {
  long size() throws IOException;

  /** Appends all of {@code bytes}. */
  void append(ByteBuffer bytes) throws IOException;

  /** Makes everything appended so far durable. */
  void sync() throws IOException;

  /** Cuts the file back to {@code size} (undoing a failed append). */
  void truncate(long size) throws IOException;

  @Override
  void close() throws IOException;

  /** A segment file that forwards to another; override what should behave differently. */
  class Delegating implements SegmentFile {
    private final SegmentFile target;

    public Delegating(SegmentFile target) {
      this.target = target;
    }

    @Override
    public long size() throws IOException {
      return target.size();
    }

    @Override
    public void append(ByteBuffer bytes) throws IOException {
      target.append(bytes);
    }

    @Override
    public void sync() throws IOException {
      target.sync();
    }

    @Override
    public void truncate(long size) throws IOException {
      target.truncate(size);
    }

    @Override
    public void close() throws IOException {
      target.close();
    }
  }

  /** Opens segment files. */
  @FunctionalInterface
  interface Opener {
    SegmentFile open(Path file) throws IOException;
  }

  /** The real thing: a {@link FileChannel} opened for appending. */
  Opener FILES =
      file -> {
        FileChannel ch =
            FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.position(ch.size());
        return new SegmentFile() {
          @Override
          public long size() throws IOException {
            return ch.size();
          }

          @Override
          public void append(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
              ch.write(bytes);
            }
          }

          @Override
          public void sync() throws IOException {
            ch.force(false);
          }

          @Override
          public void truncate(long size) throws IOException {
            ch.truncate(size);
            ch.position(size);
          }

          @Override
          public void close() throws IOException {
            ch.close();
          }
        };
      };
}
