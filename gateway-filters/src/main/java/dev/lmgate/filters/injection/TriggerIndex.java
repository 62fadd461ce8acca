package dev.lmgate.filters.injection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds every occurrence of many trigger words in one pass over a text (Aho–Corasick), so that the
 * rules' cheap prefilter costs one scan in all instead of one scan per trigger per rule.
 */
final class TriggerIndex {
  private static final class Node {
    final Map<Character, Node> next = new HashMap<>();
    final Node[] ascii = new Node[128];
    Node fail;

    /** Patterns ending here (including through fail links), as indexes into {@code patterns}. */
    int[] out = new int[0];

    Node step(char c) {
      return c < 128 ? ascii[c] : next.get(c);
    }

    void put(char c, Node n) {
      if (c < 128) {
        ascii[c] = n;
      } else {
        next.put(c, n);
      }
    }
  }

  private final Node root = new Node();
  private final List<String> patterns;

  TriggerIndex(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    for (int p = 0; p < patterns.size(); p++) {
      Node n = root;
      for (char c : patterns.get(p).toCharArray()) {
        Node child = n.step(c);
        if (child == null) {
          child = new Node();
          n.put(c, child);
        }
        n = child;
      }
      n.out = append(n.out, p);
    }
    ArrayDeque<Node> queue = new ArrayDeque<>();
    root.fail = root;
    for (Node child : children(root)) {
      child.fail = root;
      queue.add(child);
    }
    while (!queue.isEmpty()) {
      Node n = queue.poll();
      for (Map.Entry<Character, Node> e : edges(n)) {
        char c = e.getKey();
        Node child = e.getValue();
        Node f = n.fail;
        while (f != root && f.step(c) == null) {
          f = f.fail;
        }
        Node target = f.step(c);
        child.fail = target != null && target != child ? target : root;
        for (int o : child.fail.out) {
          child.out = append(child.out, o);
        }
        queue.add(child);
      }
    }
  }

  /** A trigger found: which pattern, and where it starts. */
  record Hit(int pattern, int start) {}

  /** Every occurrence of every pattern in {@code text}. */
  List<Hit> find(String text) {
    List<Hit> hits = new ArrayList<>();
    Node n = root;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      while (n != root && n.step(c) == null) {
        n = n.fail;
      }
      Node next = n.step(c);
      n = next == null ? root : next;
      for (int p : n.out) {
        hits.add(new Hit(p, i + 1 - patterns.get(p).length()));
      }
    }
    return hits;
  }

  private static int[] append(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return a;
      }
    }
    int[] b = java.util.Arrays.copyOf(a, a.length + 1);
    b[a.length] = v;
    return b;
  }

  private static List<Node> children(Node n) {
    List<Node> out = new ArrayList<>();
    for (Map.Entry<Character, Node> e : edges(n)) {
      out.add(e.getValue());
    }
    return out;
  }

  private static List<Map.Entry<Character, Node>> edges(Node n) {
    List<Map.Entry<Character, Node>> out = new ArrayList<>();
    for (int c = 0; c < 128; c++) {
      if (n.ascii[c] != null) {
        out.add(Map.entry((char) c, n.ascii[c]));
      }
    }
    out.addAll(n.next.entrySet());
    return out;
  }
}
