package dev.hikyaku.metrics;

import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.protocol.EnhancedStatus;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns event fields into label values from small fixed sets. Every label value a meter carries
 * passes through here: a label value that a client can choose (an address, an account name, a
 * free-text reason that quotes one) would give an attacker one time series per request, exhausting
 * Prometheus, and would copy personal data into a monitoring system that keeps it for months.
 */
final class Labels {

  private Labels() {}

  /** What stands in for any value outside a label's fixed set. */
  static final String OTHER = "other";

  /** The label for "there was none" (a failed TLS handshake has no protocol). */
  static final String NONE = "none";

  // A reply's wire form: code, SP or "-", then the enhanced status code when it has one (RFC 2034
  // §4). The text after it may quote the client's address, so it never becomes a label.
  private static final Pattern REFUSAL_CODE = Pattern.compile("[45]\\d\\d[ -].*", Pattern.DOTALL);

  private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");

  /**
   * A refusal reply as "code enhanced-code" ({@code "554 5.6.0"}), or the code alone when the reply
   * has no enhanced code; {@code other} for anything that is not a 4yz/5yz reply. Replies come from
   * the server's one catalogue, so the set is small.
   */
  static String refusal(String reply) {
    if (!REFUSAL_CODE.matcher(reply).matches()) {
      return OTHER;
    }
    String code = reply.substring(0, 3);
    return EnhancedStatus.atStartOf(reply, 4)
        .filter(found -> found.status().statusClass() != 2)
        .map(found -> code + " " + reply.substring(4, found.end()))
        .orElse(code);
  }

  /**
   * The policy rule that refused a recipient: {@code relay} (relay denials), {@code suppression},
   * {@code recipients} (unknown recipients of hosted domains), else {@code other}.
   */
  static String recipientRefusal(String rule) {
    return rule.equals("relay") || rule.equals("suppression") || rule.equals("recipients") ? rule : OTHER;
  }

  private static final Set<String> BLOCK_SCOPES = Set.of("ip", "net24", "net64", "account-from-source", "account");
  private static final Set<String> ATTACKS =
      Set.of(
          "brute-force", "password-spraying", "credential-stuffing", "distributed-guessing", "directory-harvest");

  static String blockScope(String scope) {
    return BLOCK_SCOPES.contains(scope) ? scope : OTHER;
  }

  static String attack(String kind) {
    return ATTACKS.contains(kind) ? kind : OTHER;
  }

  /** The negotiated TLS version as JSSE names it, or {@code other}. */
  static String tlsProtocol(String protocol) {
    return TLS_PROTOCOLS.contains(protocol) ? protocol : OTHER;
  }

  /** The registered SASL name of a mechanism this server implements, or {@code other}. */
  static String mechanism(String name) {
    return Mechanism.bySaslName(name).map(Mechanism::saslName).orElse(OTHER);
  }

  /** A configured listener's name, or {@code other}. */
  static String listener(String name, Set<String> listeners) {
    return listeners.contains(name) ? name : OTHER;
  }

  /**
   * Where an accepted message came from: {@code smtp:<listener>} for a configured listener, the
   * bare kind for the other sources ({@code api}, {@code bounce}), else {@code other}.
   */
  static String source(String source, Set<String> listeners) {
    if (source.startsWith("smtp:")) {
      return listeners.contains(source.substring("smtp:".length())) ? source : OTHER;
    }
    return source.equals("api") || source.equals("bounce") ? source : OTHER;
  }
}
