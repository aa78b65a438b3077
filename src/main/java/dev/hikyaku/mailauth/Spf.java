package dev.hikyaku.mailauth;

import dev.hikyaku.dns.DnsResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SPF (RFC 7208): whether a client address may send mail for a domain, by the domain's
 * {@code v=spf1} record, through our {@code dns} package.
 *
 * <p>Our own code rather than Apache jSPF: jSPF resolves through its own DNS layer, which would
 * take lookups outside {@code dns} (its timeouts, cache and test server), and the architecture
 * keeps every query there. The evaluation is RFC 7208 §4 and §5 with the §4.6.4 limits: 10 terms
 * that query DNS, 10 addresses per {@code mx}, 2 lookups that find nothing. {@code ptr} (which
 * §5.5 says not to use) never matches, and {@code exp=} is not fetched: we never reject with its
 * text.
 */
public final class Spf {

  /** The RFC 7208 §2.6 results. */
  public enum Result {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** As Authentication-Results writes it (RFC 8601 §2.7.2). */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A result and why (for the comment in Authentication-Results and the log). */
  public record Verdict(Result result, String reason) {}

  // RFC 7208 §4.6.1 and §12: a directive (qualifier, known mechanism, its argument) or a modifier.
  private static final Pattern TERM = Pattern.compile(
      "(?i)[+?~-]?(all|include:\\S+|a(:[^/\\s]+)?(/\\d{1,3})?(//\\d{1,3})?|mx(:[^/\\s]+)?(/\\d{1,3})?(//\\d{1,3})?"
          + "|ptr(:\\S+)?|ip4:[0-9./]+|ip6:[0-9a-f:./]+|exists:\\S+)"
          + "|[a-z][a-z0-9_.-]*=\\S*");

  static final int MAX_DNS_TERMS = 10; // RFC 7208 §4.6.4
  static final int MAX_VOID_LOOKUPS = 2; // RFC 7208 §4.6.4
  static final int MAX_MX_ADDRESSES = 10; // RFC 7208 §4.6.4

  private final DnsResolver dns;

  public Spf(DnsResolver dns) {
    this.dns = Objects.requireNonNull(dns, "dns");
  }

  /**
   * check_host() of RFC 7208 §4 for MAIL FROM: {@code sender} is the reverse-path ("" for the null
   * one, when {@code helo} stands in: §2.4).
   */
  public Verdict check(InetAddress client, String sender, String helo) {
    String mailFrom = sender.isEmpty() ? "postmaster@" + helo : sender;
    int at = mailFrom.lastIndexOf('@');
    String domain = (at < 0 ? helo : mailFrom.substring(at + 1)).toLowerCase(Locale.ROOT);
    String localPart = at <= 0 ? "postmaster" : mailFrom.substring(0, at);
    Evaluation evaluation = new Evaluation(client, localPart, domain, helo);
    try {
      return evaluation.checkHost(domain);
    } catch (Abort abort) {
      return abort.verdict;
    }
  }

  /** Ends the evaluation with a verdict (limits, syntax errors, DNS failures). */
  private static final class Abort extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Verdict verdict;

    Abort(Result result, String reason) {
      super(reason, null, false, false);
      this.verdict = new Verdict(result, reason);
    }
  }

  /** One check_host() run with its counters (the limits span includes and redirects). */
  private final class Evaluation {
    private final InetAddress client;
    private final String localPart;
    private final String senderDomain;
    private final String helo;
    private int dnsTerms;
    private int voidLookups;

    Evaluation(InetAddress client, String localPart, String senderDomain, String helo) {
      this.client = client;
      this.localPart = localPart;
      this.senderDomain = senderDomain;
      this.helo = helo;
    }

    Verdict checkHost(String domain) throws Abort {
      if (domain.isEmpty() || !domain.contains(".") || domain.length() > 253) {
        return new Verdict(Result.NONE, "no valid domain: '" + domain + "'"); // §4.3
      }
      List<String> records = switch (dns.txt(domain)) {
        case Lookup.Found<List<String>> found -> found.value().stream()
            .filter(Spf::isRecord)
            .toList();
        case Lookup.NoData<List<String>> none -> List.of();
        case Lookup.NxDomain<List<String>> none -> List.of();
        case Lookup.TemporaryFailure<List<String>> failure ->
            throw new Abort(Result.TEMPERROR, "DNS lookup of " + domain + " failed: " + failure.reason());
      };
      if (records.isEmpty()) {
        return new Verdict(Result.NONE, domain + " has no SPF record"); // §4.5
      }
      if (records.size() > 1) {
        throw new Abort(Result.PERMERROR, domain + " has " + records.size() + " SPF records"); // §4.5
      }
      String[] terms = records.getFirst().substring(6).trim().split("\\s+");
      // RFC 7208 §4.6: a syntax error anywhere makes the whole record permerror, before any match.
      for (String term : terms) {
        if (!term.isEmpty() && !TERM.matcher(term).matches()) {
          throw new Abort(Result.PERMERROR, "bad term '" + term + "' in " + domain + "'s record");
        }
      }
      Optional<String> redirect = Optional.empty();
      for (String term : terms) {
        if (term.isEmpty()) {
          continue;
        }
        int equals = term.indexOf('=');
        int colon = term.indexOf(':');
        if (equals > 0 && (colon < 0 || equals < colon) && term.substring(0, equals).matches("[A-Za-z][A-Za-z0-9_.-]*")) {
          // A modifier (§6). redirect= is used only if no mechanism matches; unknown ones are ignored.
          String name = term.substring(0, equals).toLowerCase(Locale.ROOT);
          if (name.equals("redirect")) {
            if (redirect.isPresent()) {
              throw new Abort(Result.PERMERROR, "two redirect modifiers in " + domain + "'s record"); // §6
            }
            redirect = Optional.of(term.substring(equals + 1));
          }
          continue;
        }
        Result qualifier = switch (term.charAt(0)) {
          case '-' -> Result.FAIL;
          case '~' -> Result.SOFTFAIL;
          case '?' -> Result.NEUTRAL;
          default -> Result.PASS;
        };
        String mechanism = "+-~?".indexOf(term.charAt(0)) >= 0 ? term.substring(1) : term;
        if (matches(mechanism, domain)) {
          return new Verdict(qualifier, "matched " + term + " in " + domain + "'s record");
        }
      }
      if (redirect.isPresent()) {
        countDnsTerm();
        String target = expand(redirect.get(), domain);
        Verdict redirected = checkHost(target);
        if (redirected.result() == Result.NONE) {
          throw new Abort(Result.PERMERROR, "redirect to " + target + ", which has no SPF record"); // §6.1
        }
        return redirected;
      }
      return new Verdict(Result.NEUTRAL, "no mechanism of " + domain + "'s record matched"); // §4.7
    }

    private boolean matches(String mechanism, String domain) throws Abort {
      String lower = mechanism.toLowerCase(Locale.ROOT);
      String name = lower.split("[:/]", 2)[0];
      String argument = mechanism.length() > name.length() && mechanism.charAt(name.length()) == ':'
          ? mechanism.substring(name.length() + 1) : "";
      String cidrs = mechanism.length() > name.length() && mechanism.charAt(name.length()) == '/'
          ? mechanism.substring(name.length()) : "";
      if (!argument.isEmpty() && (name.equals("a") || name.equals("mx"))) {
        int slash = argument.indexOf('/');
        if (slash >= 0) {
          cidrs = argument.substring(slash);
          argument = argument.substring(0, slash);
        }
      }
      return switch (name) {
        case "all" -> true;
        case "ip4" -> client instanceof Inet4Address && inNetwork(argument, 32);
        case "ip6" -> client instanceof Inet6Address && inNetwork(argument, 128);
        case "a" -> {
          countDnsTerm();
          yield anyAddressMatches(argument.isEmpty() ? domain : expand(argument, domain), cidrs);
        }
        case "mx" -> {
          countDnsTerm();
          yield mxMatches(argument.isEmpty() ? domain : expand(argument, domain), cidrs);
        }
        case "include" -> {
          countDnsTerm();
          if (argument.isEmpty()) {
            throw new Abort(Result.PERMERROR, "include without a domain in " + domain + "'s record");
          }
          Verdict included = checkHost(expand(argument, domain));
          // RFC 7208 §5.2: pass matches; fail, softfail, neutral do not; errors and none end the check.
          yield switch (included.result()) {
            case PASS -> true;
            case FAIL, SOFTFAIL, NEUTRAL -> false;
            case TEMPERROR -> throw new Abort(Result.TEMPERROR, included.reason());
            case NONE, PERMERROR -> throw new Abort(Result.PERMERROR, "include:" + argument + ": " + included.reason());
          };
        }
        case "exists" -> {
          countDnsTerm();
          String target = expand(argument, domain);
          yield switch (dns.addresses(target)) {
            case Lookup.Found<List<InetAddress>> found -> found.value().stream().anyMatch(a -> a instanceof Inet4Address);
            case Lookup.TemporaryFailure<List<InetAddress>> failure ->
                throw new Abort(Result.TEMPERROR, "DNS lookup of " + target + " failed: " + failure.reason());
            default -> {
              countVoid(target);
              yield false;
            }
          };
        }
        case "ptr" -> {
          countDnsTerm();
          yield false; // RFC 7208 §5.5: "SHOULD NOT" be used; we never match it
        }
        default -> throw new Abort(Result.PERMERROR, "unknown mechanism '" + mechanism + "' in " + domain + "'s record");
      };
    }

    private boolean mxMatches(String target, String cidrs) throws Abort {
      List<MxRecord> hosts = switch (dns.mx(target)) {
        case Lookup.Found<List<MxRecord>> found -> found.value();
        case Lookup.TemporaryFailure<List<MxRecord>> failure ->
            throw new Abort(Result.TEMPERROR, "DNS lookup of " + target + " MX failed: " + failure.reason());
        default -> {
          countVoid(target);
          yield List.of();
        }
      };
      if (hosts.size() > MAX_MX_ADDRESSES) {
        throw new Abort(Result.PERMERROR, target + " has more than " + MAX_MX_ADDRESSES + " MX records"); // §4.6.4
      }
      for (MxRecord host : hosts) {
        if (anyAddressMatches(host.host(), cidrs)) {
          return true;
        }
      }
      return false;
    }

    private boolean anyAddressMatches(String host, String cidrs) throws Abort {
      int cidr4 = 32;
      int cidr6 = 128;
      if (!cidrs.isEmpty()) {
        String[] parts = cidrs.split("//", -1);
        if (!parts[0].isEmpty()) {
          cidr4 = prefix(parts[0].substring(1), 32);
        }
        if (parts.length > 1) {
          cidr6 = prefix(parts[1], 128);
        }
      }
      List<InetAddress> addresses = switch (dns.addresses(host)) {
        case Lookup.Found<List<InetAddress>> found -> found.value();
        case Lookup.TemporaryFailure<List<InetAddress>> failure ->
            throw new Abort(Result.TEMPERROR, "DNS lookup of " + host + " failed: " + failure.reason());
        default -> {
          countVoid(host);
          yield List.of();
        }
      };
      for (InetAddress address : addresses) {
        if (address.getClass() == client.getClass()
            && sameNetwork(address, client, address instanceof Inet4Address ? cidr4 : cidr6)) {
          return true;
        }
      }
      return false;
    }

    private boolean inNetwork(String network, int bits) throws Abort {
      int slash = network.indexOf('/');
      String address = slash < 0 ? network : network.substring(0, slash);
      int prefix = slash < 0 ? bits : prefix(network.substring(slash + 1), bits);
      // Guava parses literals only, never a name (InetAddress.getByName would look one up).
      InetAddress parsed;
      try {
        parsed = com.google.common.net.InetAddresses.forString(address);
      } catch (IllegalArgumentException e) {
        throw new Abort(Result.PERMERROR, "not an IP address: '" + address + "'");
      }
      return parsed.getClass() == client.getClass() && sameNetwork(parsed, client, prefix);
    }

    private int prefix(String text, int max) throws Abort {
      if (!text.matches("\\d{1,3}") || Integer.parseInt(text) > max) {
        throw new Abort(Result.PERMERROR, "bad CIDR length '" + text + "'");
      }
      return Integer.parseInt(text);
    }

    private void countDnsTerm() throws Abort {
      if (++dnsTerms > MAX_DNS_TERMS) {
        throw new Abort(Result.PERMERROR, "more than " + MAX_DNS_TERMS + " DNS-querying terms (RFC 7208 §4.6.4)");
      }
    }

    private void countVoid(String name) throws Abort {
      if (++voidLookups > MAX_VOID_LOOKUPS) {
        throw new Abort(Result.PERMERROR, "more than " + MAX_VOID_LOOKUPS + " lookups found nothing (RFC 7208 §4.6.4), last " + name);
      }
    }

    /** RFC 7208 §7: macro expansion of a domain-spec. */
    private String expand(String spec, String domain) throws Abort {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < spec.length(); i++) {
        char c = spec.charAt(i);
        if (c != '%') {
          out.append(c);
          continue;
        }
        if (i + 1 >= spec.length()) {
          throw new Abort(Result.PERMERROR, "bad macro in '" + spec + "'");
        }
        char next = spec.charAt(++i);
        switch (next) {
          case '%' -> out.append('%');
          case '_' -> out.append(' ');
          case '-' -> out.append("%20");
          case '{' -> {
            int close = spec.indexOf('}', i);
            if (close < 0) {
              throw new Abort(Result.PERMERROR, "unclosed macro in '" + spec + "'");
            }
            out.append(macro(spec.substring(i + 1, close), domain));
            i = close;
          }
          default -> throw new Abort(Result.PERMERROR, "bad macro '%" + next + "' in '" + spec + "'");
        }
      }
      String expanded = out.toString();
      // §7.3: longer than 253 octets, drop labels from the left.
      while (expanded.length() > 253 && expanded.contains(".")) {
        expanded = expanded.substring(expanded.indexOf('.') + 1);
      }
      return expanded.toLowerCase(Locale.ROOT);
    }

    private String macro(String body, String domain) throws Abort {
      if (body.isEmpty()) {
        throw new Abort(Result.PERMERROR, "empty macro");
      }
      char letter = Character.toLowerCase(body.charAt(0));
      String value = switch (letter) {
        case 's' -> localPart + "@" + senderDomain;
        case 'l' -> localPart;
        case 'o' -> senderDomain;
        case 'd' -> domain;
        case 'i' -> client instanceof Inet6Address ? nibbles(client) : client.getHostAddress();
        case 'p' -> "unknown";
        case 'v' -> client instanceof Inet6Address ? "ip6" : "in-addr";
        case 'h' -> helo;
        default -> throw new Abort(Result.PERMERROR, "unknown macro letter '" + body.charAt(0) + "'");
      };
      Matcher m = Pattern.compile("(\\d*)(r?)([-.+,/_=]*)").matcher(body.substring(1).toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new Abort(Result.PERMERROR, "bad macro transformers '" + body + "'");
      }
      String delimiters = m.group(3).isEmpty() ? "." : m.group(3);
      List<String> parts = new ArrayList<>(List.of(value.split("[" + Pattern.quote(delimiters) + "]", -1)));
      if (!m.group(2).isEmpty()) {
        Collections.reverse(parts);
      }
      if (!m.group(1).isEmpty()) {
        // RFC 7208 §7.1: more parts than there are means all of them; the digits may be any
        // number of them, so no parseInt overflow (found by MailAuthFuzzTest: "%{v222222222222}").
        String digits = m.group(1).replaceFirst("^0+", "");
        if (digits.isEmpty()) {
          throw new Abort(Result.PERMERROR, "macro keeps zero labels");
        }
        int keep = digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        parts = parts.subList(Math.max(0, parts.size() - keep), parts.size());
      }
      return String.join(".", parts);
    }
  }

  /** RFC 7208 §4.5: an SPF record is "v=spf1" alone or followed by a space ("v=spf10" is not one). */
  static boolean isRecord(String txt) {
    return txt.equalsIgnoreCase("v=spf1") || txt.toLowerCase(Locale.ROOT).startsWith("v=spf1 ");
  }

  /** Whether the first {@code prefix} bits of two addresses of one family are equal. */
  static boolean sameNetwork(InetAddress a, InetAddress b, int prefix) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    if (x.length != y.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (x[i] != y[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xFF << (8 - rest) & 0xFF;
    return (x[full] & mask) == (y[full] & mask);
  }

  /** RFC 7208 §7.3: an IPv6 address as dot-separated nibbles, "2.0.0.1.0.d.b.8...". */
  static String nibbles(InetAddress address) {
    StringBuilder out = new StringBuilder();
    for (byte b : address.getAddress()) {
      out.append(Character.forDigit((b >> 4) & 0xF, 16)).append('.').append(Character.forDigit(b & 0xF, 16)).append('.');
    }
    return out.substring(0, out.length() - 1);
  }
}
