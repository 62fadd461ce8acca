package dev.lmgate.audit.merkle;

import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first. Adding
 * a leaf and computing the root both cost O(log n), so the log can sign a checkpoint of any size
 * without rehashing its history.
 */
public final class Frontier {
  private final List<byte[]> roots = new ArrayList<>();
  private final List<Long> sizes = new ArrayList<>();
  private long size;

  /** Appends a leaf hash. */
  public void add(byte[] leafHash) {
    byte[] h = leafHash;
    long s = 1;
    while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == s) {
      h = Merkle.nodeHash(roots.remove(roots.size() - 1), h);
      sizes.remove(sizes.size() - 1);
      s *= 2;
    }
    roots.add(h);
    sizes.add(s);
    size++;
  }

  public long size() {
    return size;
  }

  /** MTH of every leaf added so far. */
  public byte[] root() {
    if (roots.isEmpty()) {
      return Merkle.emptyRoot();
    }
    byte[] r = roots.get(roots.size() - 1);
    for (int i = roots.size() - 2; i >= 0; i--) {
      r = Merkle.nodeHash(roots.get(i), r);
    }
    return Merkle.copy(r);
  }
}
