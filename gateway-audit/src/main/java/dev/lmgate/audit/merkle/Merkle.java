package dev.lmgate.audit.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 6962 §2.1 Merkle tree hashing over SHA-256: leaves are hashed as {@code SHA-256(0x00 ||
 * data)}, interior nodes as {@code SHA-256(0x01 || left || right)}, so a leaf can never pass for a
 * node. Proofs are the RFC's audit paths (§2.1.1) and consistency proofs (§2.1.2); verification
 * follows RFC 9162 §2.1.3.2 and §2.1.4.2, rejecting any proof of the wrong length.
 *
 * <p>Methods that build proofs take the list of leaf hashes; the log keeps them in memory (32 bytes
 * a record).
 */
public final class Merkle {
  public static final int HASH_BYTES = 32;

  private Merkle() {}

  /** {@code SHA-256(0x00 || data)}. */
  public static byte[] leafHash(byte[] data) {
    MessageDigest d = sha256();
    d.update((byte) 0);
    d.update(data);
    return d.digest();
  }

  /** {@code SHA-256(0x01 || left || right)}. */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = sha256();
    d.update((byte) 1);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The root of the empty tree: SHA-256 of the empty string. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** MTH(D[from:to]) over leaf hashes. */
  public static byte[] root(List<byte[]> leaves, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return emptyRoot();
    }
    if (n == 1) {
      return leaves.get(from);
    }
    int k = split(n);
    return nodeHash(root(leaves, from, from + k), root(leaves, from + k, to));
  }

  /** The audit path for leaf {@code index} in the tree of the first {@code size} leaves. */
  public static List<byte[]> inclusionProof(List<byte[]> leaves, int index, int size) {
    if (index < 0 || index >= size || size > leaves.size()) {
      throw new IllegalArgumentException("index " + index + " not in a tree of " + size);
    }
    List<byte[]> path = new ArrayList<>();
    path(leaves, index, 0, size, path);
    return path;
  }

  private static void path(List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
    int n = to - from;
    if (n == 1) {
      return;
    }
    int k = split(n);
    if (m < k) {
      path(leaves, m, from, from + k, out);
      out.add(root(leaves, from + k, to));
    } else {
      path(leaves, m - k, from + k, to, out);
      out.add(root(leaves, from, from + k));
    }
  }

  /** The consistency proof between the trees of the first {@code m} and {@code n} leaves. */
  public static List<byte[]> consistencyProof(List<byte[]> leaves, int m, int n) {
    if (m < 1 || m > n || n > leaves.size()) {
      throw new IllegalArgumentException("no consistency proof from " + m + " to " + n);
    }
    List<byte[]> out = new ArrayList<>();
    subproof(leaves, m, 0, n, true, out);
    return out;
  }

  private static void subproof(
      List<byte[]> leaves, int m, int from, int to, boolean whole, List<byte[]> out) {
    int n = to - from;
    if (m == n) {
      if (!whole) {
        out.add(root(leaves, from, to));
      }
      return;
    }
    int k = split(n);
    if (m <= k) {
      subproof(leaves, m, from, from + k, whole, out);
      out.add(root(leaves, from + k, to));
    } else {
      subproof(leaves, m - k, from + k, to, false, out);
      out.add(root(leaves, from, from + k));
    }
  }

  /** Whether {@code proof} shows that {@code leafHash} is leaf {@code index} of the tree. */
  public static boolean verifyInclusion(
      long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= size || leafHash.length != HASH_BYTES) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0 || p.length != HASH_BYTES) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether {@code proof} shows that the tree of size {@code n} extends the one of size {@code m}.
   */
  public static boolean verifyConsistency(
      long m, long n, byte[] firstRoot, byte[] secondRoot, List<byte[]> proof) {
    if (m < 1 || m > n) {
      return false;
    }
    if (m == n) {
      return proof.isEmpty() && MessageDigest.isEqual(firstRoot, secondRoot);
    }
    if (proof.isEmpty()) {
      return false;
    }
    for (byte[] p : proof) {
      if (p.length != HASH_BYTES) {
        return false;
      }
    }
    List<byte[]> path = proof;
    if (Long.bitCount(m) == 1) { // m is a power of two: the first root is the proof's seed
      path = new ArrayList<>(proof.size() + 1);
      path.add(firstRoot);
      path.addAll(proof);
    }
    long fn = m - 1;
    long sn = n - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (int i = 1; i < path.size(); i++) {
      byte[] c = path.get(i);
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, firstRoot) && MessageDigest.isEqual(sr, secondRoot);
  }

  /** The largest power of two smaller than {@code n} (n ≥ 2). */
  static int split(int n) {
    return Integer.highestOneBit(n - 1);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }

  /** A copy of the hash, so that callers cannot share mutable arrays. */
  static byte[] copy(byte[] h) {
    return Arrays.copyOf(h, h.length);
  }
}
