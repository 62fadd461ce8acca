package dev.lmgate.filters.sensitive;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a candidate of hex groups and colons is an IPv6 address, by the JDK's address parser
 * rather than by pattern: {@code 2001:db8::ff00:42:8329} and {@code ::ffff:192.0.2.1} are, {@code
 * 12:30:45} is not. The parser never looks a name up: a string with a colon is read as an IPv6
 * literal or refused.
 */
final class IpAddresses {
  private IpAddresses() {}

  /**
   * Whether {@code candidate} is an IPv6 address with at least five hex digits, one of them a
   * decimal digit: {@code fe80::1} is one, {@code d::} (from {@code std::}) and {@code add::bad}
   * are not, though the parser accepts them.
   */
  static boolean isIpv6(String candidate) {
    int hex = 0;
    boolean decimal = false;
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      decimal |= digit;
      hex += digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ? 1 : 0;
    }
    if (hex < 5 || !decimal || candidate.indexOf(':') < 0) {
      return false; // the colon keeps InetAddress from ever resolving a name
    }
    try {
      InetAddress.getByName(candidate); // an IPv4-mapped address comes back as an Inet4Address
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
