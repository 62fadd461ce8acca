package dev.lmgate.filters.text;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The view every text detector sees: what the model would read, with disguises taken off. It is
 * used for detection only; what is forwarded changes only where a sanitize rule says so.
 *
 * <ul>
 *   <li>Unicode NFKC (fullwidth and mathematical letters become plain ones);
 *   <li>invisible characters removed: zero-width and other format characters, bidi controls,
 *       variation selectors, soft hyphens; Unicode tag characters (ASCII smuggling) are removed
 *       from the text and their hidden ASCII is kept as a decoded view;
 *   <li>lookalike letters (Cyrillic, Greek, Armenian, letterlike symbols) folded to Latin;
 *   <li>lower case, runs of whitespace collapsed;
 *   <li>embedded base64, hex and URL-encoded runs decoded when they decode to readable text, and
 *       rot13 when the text asks for it, each kept as a further view to scan.
 * </ul>
 *
 * Every step that changed something is reported, so that an audit record can say what a client
 * tried to hide.
 */
public final class TextNormalizer {
  private TextNormalizer() {}

  /** What normalization found and undid. */
  public enum Finding {
    INVISIBLE,
    TAG_SMUGGLING,
    BIDI,
    CONFUSABLES,
    COMPATIBILITY_FORMS,
    BASE64,
    HEX,
    URL_ENCODING,
    ROT13
  }

  /**
   * @param text the normalized text
   * @param decoded further views: hidden tag text and decoded payloads, each normalized
   * @param findings the disguises that were undone
   */
  public record Normalized(String text, List<String> decoded, Set<Finding> findings) {
    /** The text and every decoded view. */
    public List<String> views() {
      if (decoded.isEmpty()) {
        return List.of(text);
      }
      List<String> all = new ArrayList<>(decoded.size() + 1);
      all.add(text);
      all.addAll(decoded);
      return all;
    }
  }

  private static final int MAX_DECODED_VIEWS = 8;
  private static final Pattern URL_RUN = Pattern.compile("(?:%[0-9A-Fa-f]{2}[^\\s%]{0,3}){3,}");
  private static final Pattern ROT13_HINT =
      Pattern.compile("(?i)\\b(rot[ -]?13|caesar|rotate[ds]? by 13)\\b");

  public static Normalized normalize(String raw) {
    EnumSet<Finding> found = EnumSet.noneOf(Finding.class);
    List<String> decoded = new ArrayList<>();
    String nfkc =
        isAscii(raw) || Normalizer.isNormalized(raw, Normalizer.Form.NFKC) // ASCII is NFKC
            ? raw
            : Normalizer.normalize(raw, Normalizer.Form.NFKC);
    if (!nfkc.equals(raw)) {
      found.add(Finding.COMPATIBILITY_FORMS);
    }
    StringBuilder out = new StringBuilder(nfkc.length());
    StringBuilder tags = null;
    boolean space = true; // collapse leading whitespace too
    for (int i = 0; i < nfkc.length(); ) {
      int cp = nfkc.charAt(i);
      if (cp < 0x80 && cp > ' ' && cp != 0x7F) { // printable ASCII: the common case
        i++;
        space = false;
        out.append(cp >= 'A' && cp <= 'Z' ? (char) (cp + 32) : (char) cp);
        continue;
      }
      cp = nfkc.codePointAt(i);
      i += Character.charCount(cp);
      if (cp >= 0xE0000 && cp <= 0xE007F) { // tag characters: ASCII smuggled out of sight
        found.add(Finding.TAG_SMUGGLING);
        if (cp >= 0xE0020 && cp <= 0xE007E) {
          if (tags == null) {
            tags = new StringBuilder();
          }
          tags.append((char) (cp - 0xE0000));
        }
        continue;
      }
      if (isBidi(cp)) {
        found.add(Finding.BIDI);
        continue;
      }
      if (isInvisible(cp)) {
        found.add(Finding.INVISIBLE);
        continue;
      }
      int folded = Confusables.fold(cp);
      if (folded != cp) {
        found.add(Finding.CONFUSABLES);
        cp = folded;
      }
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        if (!space) {
          out.append(' ');
          space = true;
        }
        continue;
      }
      space = false;
      out.appendCodePoint(Character.toLowerCase(cp));
    }
    int end = out.length();
    if (end > 0 && out.charAt(end - 1) == ' ') {
      out.setLength(end - 1);
    }
    String text = out.toString();
    if (tags != null) {
      decoded.add(normalizeFlat(tags.toString()));
    }
    decodeRuns(nfkc, decoded, found);
    if ((text.contains("rot") || text.contains("caesar")) && ROT13_HINT.matcher(text).find()) {
      decoded.add(rot13(text));
      found.add(Finding.ROT13);
    }
    return new Normalized(text, List.copyOf(decoded), found);
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** Normalization without decoding: for decoded payloads themselves. */
  private static String normalizeFlat(String raw) {
    String nfkc = Normalizer.normalize(raw, Normalizer.Form.NFKC);
    StringBuilder out = new StringBuilder(nfkc.length());
    boolean space = true;
    for (int i = 0; i < nfkc.length(); ) {
      int cp = nfkc.codePointAt(i);
      i += Character.charCount(cp);
      if (isInvisible(cp) || isBidi(cp) || (cp >= 0xE0000 && cp <= 0xE007F)) {
        continue;
      }
      cp = Confusables.fold(cp);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        if (!space) {
          out.append(' ');
          space = true;
        }
        continue;
      }
      space = false;
      out.appendCodePoint(Character.toLowerCase(cp));
    }
    return out.toString().strip();
  }

  private static void decodeRuns(String s, List<String> decoded, Set<Finding> found) {
    int n = s.length();
    int i = 0;
    while (i < n && decoded.size() < MAX_DECODED_VIEWS) {
      if (!isBase64Char(s.charAt(i))) {
        i++;
        continue;
      }
      int start = i;
      while (i < n && isBase64Char(s.charAt(i))) {
        i++;
      }
      int end = i;
      while (i < n && s.charAt(i) == '=' && i - end < 2) {
        i++;
      }
      if (end - start >= 16) {
        decodeRun(s.substring(start, end), decoded, found);
      }
    }
    if (s.indexOf('%') >= 0) {
      Matcher m = URL_RUN.matcher(s);
      while (m.find() && decoded.size() < MAX_DECODED_VIEWS) {
        try {
          String text = java.net.URLDecoder.decode(m.group(), StandardCharsets.UTF_8);
          if (!text.equals(m.group())) {
            decoded.add(normalizeFlat(text));
            found.add(Finding.URL_ENCODING);
          }
        } catch (IllegalArgumentException e) {
          // not valid percent-encoding
        }
      }
    }
  }

  private static boolean isBase64Char(char c) {
    return c >= 'A' && c <= 'Z'
        || c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9'
        || c == '+'
        || c == '/'
        || c == '-'
        || c == '_';
  }

  /** A run of base64 (or hex) characters: decoded when it decodes to readable text. */
  private static void decodeRun(String run, List<String> decoded, Set<Finding> found) {
    if (run.length() % 2 == 0 && isHex(run)) {
      byte[] bytes = new byte[run.length() / 2];
      for (int k = 0; k < bytes.length; k++) {
        bytes[k] = (byte) Integer.parseInt(run.substring(2 * k, 2 * k + 2), 16);
      }
      String text = readable(bytes);
      if (text != null) {
        decoded.add(normalizeFlat(text));
        found.add(Finding.HEX);
      }
      return;
    }
    if (!hasMixedAlphabet(run)) {
      return; // a word, a path: not base64 worth decoding
    }
    byte[] bytes;
    try {
      bytes =
          run.indexOf('-') >= 0 || run.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(run)
              : Base64.getDecoder().decode(run);
    } catch (IllegalArgumentException e) {
      return;
    }
    String text = readable(bytes);
    if (text != null) {
      decoded.add(normalizeFlat(text));
      found.add(Finding.BASE64);
    }
  }

  private static boolean isHex(String run) {
    for (int k = 0; k < run.length(); k++) {
      char c = run.charAt(k);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  /** Base64 of text mixes cases or digits; a long word or a hex string does not. */
  private static boolean hasMixedAlphabet(String run) {
    boolean upper = false;
    boolean lower = false;
    boolean digit = false;
    for (int i = 0; i < run.length(); i++) {
      char c = run.charAt(i);
      upper |= c >= 'A' && c <= 'Z';
      lower |= c >= 'a' && c <= 'z';
      digit |= c >= '0' && c <= '9';
    }
    return upper && lower || (upper || lower) && digit && upper != lower;
  }

  /** The bytes as text when they are valid UTF-8 and mostly letters and spaces; else null. */
  static String readable(byte[] bytes) {
    if (bytes.length < 8) {
      return null;
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    int letters = 0;
    int spaces = 0;
    int control = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isLetter(c)) {
        letters++;
      } else if (c == ' ') {
        spaces++;
      } else if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
        control++;
      }
    }
    boolean prose = spaces > 0 && (letters + spaces) * 10 >= text.length() * 7 && control == 0;
    return prose ? text : null;
  }

  static String rot13(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'a' && c <= 'z') {
        c = (char) ('a' + (c - 'a' + 13) % 26);
      } else if (c >= 'A' && c <= 'Z') {
        c = (char) ('A' + (c - 'A' + 13) % 26);
      }
      b.append(c);
    }
    return b.toString();
  }

  static boolean isBidi(int cp) {
    return (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069)
        || cp == 0x200E
        || cp == 0x200F
        || cp == 0x061C;
  }

  /** Zero-width and other format characters, variation selectors, fillers. */
  static boolean isInvisible(int cp) {
    if (cp == '\n' || cp == '\t' || cp == '\r') {
      return false;
    }
    int type = Character.getType(cp);
    return type == Character.FORMAT
        || (type == Character.CONTROL && !Character.isWhitespace(cp))
        || (cp >= 0xFE00 && cp <= 0xFE0F)
        || (cp >= 0xE0100 && cp <= 0xE01EF)
        || cp == 0x115F
        || cp == 0x1160
        || cp == 0x3164
        || cp == 0xFFA0
        || cp == 0x2800; // braille blank
  }
}
