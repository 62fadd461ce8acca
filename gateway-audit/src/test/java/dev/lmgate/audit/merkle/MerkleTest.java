package dev.lmgate.audit.merkle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 6962 known answers (the certificate-transparency reference corpus) and proof properties. */
class MerkleTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String[] LEAVES = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f"
  };
  private static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
  };

  private static List<byte[]> leaves(int n) {
    List<byte[]> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(Merkle.leafHash(HEX.parseHex(LEAVES[i])));
    }
    return l;
  }

  private static List<String> hex(List<byte[]> l) {
    return l.stream().map(HEX::formatHex).toList();
  }

  @Test
  void rootsMatchTheReferenceCorpusAtEverySize() {
    assertThat(HEX.formatHex(Merkle.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Frontier f = new Frontier();
    for (int n = 1; n <= 8; n++) {
      f.add(leaves(8).get(n - 1));
      assertThat(HEX.formatHex(Merkle.root(leaves(8), 0, n)))
          .as("MTH size %d", n)
          .isEqualTo(ROOTS[n - 1]);
      assertThat(HEX.formatHex(f.root())).as("frontier size %d", n).isEqualTo(ROOTS[n - 1]);
    }
  }

  @Test
  void inclusionProofsMatchTheReferenceCorpus() {
    assertThat(hex(Merkle.inclusionProof(leaves(8), 0, 8)))
        .containsExactly(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hex(Merkle.inclusionProof(leaves(8), 5, 8)))
        .containsExactly(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hex(Merkle.inclusionProof(leaves(3), 2, 3)))
        .containsExactly("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
    assertThat(hex(Merkle.inclusionProof(leaves(5), 1, 5)))
        .containsExactly(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  }

  @Test
  void consistencyProofsMatchTheReferenceCorpus() {
    assertThat(hex(Merkle.consistencyProof(leaves(8), 1, 8)))
        .containsExactly(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assertThat(hex(Merkle.consistencyProof(leaves(8), 6, 8)))
        .containsExactly(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assertThat(hex(Merkle.consistencyProof(leaves(5), 2, 5)))
        .containsExactly(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
  }

  /** Every proof for every index and size verifies; any flipped bit or wrong index/size fails. */
  @Test
  void inclusionProofsVerifyAndEveryCorruptionFails() {
    Random rnd = new Random(6962);
    List<byte[]> all = randomLeaves(rnd, 70);
    for (int size = 1; size <= all.size(); size++) {
      byte[] root = Merkle.root(all, 0, size);
      for (int i = 0; i < size; i++) {
        List<byte[]> proof = Merkle.inclusionProof(all, i, size);
        byte[] leaf = all.get(i);
        assertThat(Merkle.verifyInclusion(i, size, leaf, proof, root)).isTrue();
        assertThat(Merkle.verifyInclusion(i + 1, size, leaf, proof, root)).isFalse();
        if (i > 0) {
          assertThat(Merkle.verifyInclusion(i - 1, size, leaf, proof, root)).isFalse();
        }
        if (size < all.size()) { // the same leaf claimed in the next tree, against that tree's root
          byte[] next = Merkle.root(all, 0, size + 1);
          assertThat(Merkle.verifyInclusion(i, size + 1, leaf, proof, next)).isFalse();
        }
        assertThat(Merkle.verifyInclusion(i, size, flip(leaf, rnd), proof, root)).isFalse();
        assertThat(Merkle.verifyInclusion(i, size, leaf, proof, flip(root, rnd))).isFalse();
        if (!proof.isEmpty()) {
          List<byte[]> bad = new ArrayList<>(proof);
          int k = rnd.nextInt(bad.size());
          bad.set(k, flip(bad.get(k), rnd));
          assertThat(Merkle.verifyInclusion(i, size, leaf, bad, root)).isFalse();
          assertThat(
                  Merkle.verifyInclusion(i, size, leaf, proof.subList(0, proof.size() - 1), root))
              .isFalse();
        }
        List<byte[]> longer = new ArrayList<>(proof);
        longer.add(leaf);
        assertThat(Merkle.verifyInclusion(i, size, leaf, longer, root)).isFalse();
      }
    }
  }

  @Test
  void consistencyProofsVerifyAndEveryCorruptionFails() {
    Random rnd = new Random(9162);
    List<byte[]> all = randomLeaves(rnd, 40);
    for (int n = 1; n <= all.size(); n++) {
      byte[] second = Merkle.root(all, 0, n);
      for (int m = 1; m <= n; m++) {
        byte[] first = Merkle.root(all, 0, m);
        List<byte[]> proof = Merkle.consistencyProof(all, m, n);
        assertThat(Merkle.verifyConsistency(m, n, first, second, proof)).as("%d→%d", m, n).isTrue();
        assertThat(Merkle.verifyConsistency(m, n, flip(first, rnd), second, proof)).isFalse();
        assertThat(Merkle.verifyConsistency(m, n, first, flip(second, rnd), proof)).isFalse();
        if (m < n) {
          if (n < all.size()) {
            byte[] next = Merkle.root(all, 0, n + 1);
            assertThat(Merkle.verifyConsistency(m, n + 1, first, next, proof)).isFalse();
          }
          assertThat(Merkle.verifyConsistency(m + 1, n, first, second, proof)).isFalse();
          List<byte[]> bad = new ArrayList<>(proof);
          int k = rnd.nextInt(bad.size());
          bad.set(k, flip(bad.get(k), rnd));
          assertThat(Merkle.verifyConsistency(m, n, first, second, bad)).isFalse();
        }
      }
    }
  }

  private static List<byte[]> randomLeaves(Random rnd, int n) {
    List<byte[]> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] data = new byte[rnd.nextInt(40)];
      rnd.nextBytes(data);
      l.add(Merkle.leafHash(data));
    }
    return l;
  }

  private static byte[] flip(byte[] h, Random rnd) {
    byte[] c = h.clone();
    int bit = rnd.nextInt(c.length * 8);
    c[bit / 8] ^= (byte) (1 << (bit % 8));
    return c;
  }
}
