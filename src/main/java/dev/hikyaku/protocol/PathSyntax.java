package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recursive-descent parser for RFC 5321 §4.1.2 paths, with RFC 6531 §3.3 UTF-8 extensions accepted
 * syntactically (whether SMTPUTF8 was requested is the caller's check).
 */
final class PathSyntax {

  // RFC 5321 §4.5.3.1.1-3: size limits of the parts, in octets.
  static final int MAX_LOCAL_PART = 64;
  static final int MAX_DOMAIN = 255;
  static final int MAX_PATH = 256;

  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  /** Why a path failed to parse; the caller turns this into a reply. */
  static final class PathException extends Exception {
    PathException(String reason) {
      super(reason, null, false, false);
    }
  }

  private final String text;
  private int pos;

  private PathSyntax(String text) {
    this.text = text;
  }

  /** Parses {@code <>} or a path; {@code text} starts at '<' and must end right after '>'. */
  static ReversePath reversePath(String text) throws PathException {
    if (text.equals("<>")) {
      return ReversePath.NULL;
    }
    return new ReversePath(Optional.of(new PathSyntax(text).path()));
  }

  /** Parses a forward path, including the bare {@code <Postmaster>} of RFC 5321 §4.1.1.3. */
  static ForwardPath forwardPath(String text) throws PathException {
    if (text.equalsIgnoreCase("<postmaster>")) {
      return new ForwardPath(new Mailbox(text.substring(1, text.length() - 1), "", false));
    }
    return new ForwardPath(new PathSyntax(text).path());
  }

  /**
   * The length of the path at the start of {@code text} (from '<' to the matching '>'), honouring
   * quoted strings, or -1 when there is no closing bracket.
   */
  static int pathLength(String text) {
    if (text.isEmpty() || text.charAt(0) != '<') {
      return -1;
    }
    boolean isQuoted = false;
    for (int i = 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isQuoted && c == '\\') {
        i++;
      } else if (c == '"') {
        isQuoted = !isQuoted;
      } else if (c == '>' && !isQuoted) {
        return i + 1;
      }
    }
    return -1;
  }

  /**
   * The mailbox of a path. A source route ({@code A-d-l}) is read and dropped: RFC 5321 §4.1.1.3
   * says servers "SHOULD ignore the routes" and Appendix C that the final mailbox is what counts,
   * so nothing after the parser can be steered by one.
   */
  private Mailbox path() throws PathException {
    if (octets(text) > MAX_PATH) {
      throw new PathException("path longer than 256 octets");
    }
    expect('<');
    if (peek() == '@') {
      // A-d-l = At-domain *( "," At-domain ) ":"
      do {
        expect('@');
        domain();
      } while (accept(','));
      expect(':');
    }
    Mailbox mailbox = mailbox();
    expect('>');
    if (pos != text.length()) {
      throw new PathException("unexpected text after '>'");
    }
    return mailbox;
  }

  private Mailbox mailbox() throws PathException {
    // The Quoted-string's content is the local part (RFC 5321 §4.1.2); see Mailbox.
    String local = peek() == '"' ? quotedString() : dotString();
    if (octets(local) > MAX_LOCAL_PART) {
      throw new PathException("local part longer than 64 octets");
    }
    expect('@');
    if (peek() == '[') {
      return new Mailbox(local, addressLiteral(), true);
    }
    return new Mailbox(local, domain(), false);
  }

  private String dotString() throws PathException {
    int start = pos;
    do {
      int atomStart = pos;
      while (pos < text.length() && isAtext(text.charAt(pos))) {
        pos++;
      }
      if (pos == atomStart) {
        throw new PathException("empty atom in local part");
      }
    } while (accept('.'));
    return text.substring(start, pos);
  }

  private String quotedString() throws PathException {
    expect('"');
    StringBuilder local = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw new PathException("unterminated quoted string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return local.toString();
      }
      if (c == '\\') {
        // quoted-pairSMTP = %d92 %d32-126
        if (pos >= text.length() || text.charAt(pos) < 32 || text.charAt(pos) > 126) {
          throw new PathException("bad quoted pair");
        }
        local.append(text.charAt(pos++));
      } else if ((c >= 32 && c <= 126) || c > 0x7f) {
        local.append(c);
      } else {
        throw new PathException("control character in quoted string");
      }
    }
  }

  private String domain() throws PathException {
    int start = pos;
    do {
      int labelStart = pos;
      while (pos < text.length() && isLabelChar(text.charAt(pos))) {
        pos++;
      }
      if (pos == labelStart) {
        throw new PathException("empty domain label");
      }
      // sub-domain = Let-dig [Ldh-str]: no leading or trailing hyphen
      if (text.charAt(labelStart) == '-' || text.charAt(pos - 1) == '-') {
        throw new PathException("domain label starts or ends with '-'");
      }
      if (pos - labelStart > 63) {
        throw new PathException("domain label longer than 63 octets");
      }
    } while (accept('.'));
    String domain = text.substring(start, pos);
    if (octets(domain) > MAX_DOMAIN) {
      throw new PathException("domain longer than 255 octets");
    }
    return domain;
  }

  private String addressLiteral() throws PathException {
    int start = pos;
    expect('[');
    int close = text.indexOf(']', pos);
    if (close < 0) {
      throw new PathException("unterminated address literal");
    }
    String inner = text.substring(pos, close);
    pos = close + 1;
    if (!isAddressLiteral(inner)) {
      throw new PathException("bad address literal");
    }
    return text.substring(start, pos);
  }

  /** RFC 5321 §4.1.3: IPv4, {@code IPv6:} followed by an IPv6 address, or a general literal. */
  static boolean isAddressLiteral(String inner) {
    if (IPV4.matcher(inner).matches()) {
      return true;
    }
    if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
      String v6 = inner.substring(5);
      return IPV6_CHARS.matcher(v6).matches() && v6.indexOf(':') >= 0 && !v6.contains(":::");
    }
    return false;
  }

  static boolean isAtext(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0
        || c > 0x7f; // RFC 6531 §3.3: atext =/ UTF8-non-ascii
  }

  private static boolean isLabelChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c > 0x7f; // RFC 6531 §3.3: sub-domain =/ U-label
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private boolean accept(char c) {
    if (peek() == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c) throws PathException {
    if (!accept(c)) {
      throw new PathException("expected '" + c + "'");
    }
  }

  private static int octets(String s) {
    return Mailbox.isAscii(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length;
  }
}
