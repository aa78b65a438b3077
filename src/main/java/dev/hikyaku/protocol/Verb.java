package dev.hikyaku.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Every command verb with the protocol rules that apply to it, as data. The session checks these once,
 * in one guard, before any handler runs.
 */
public enum Verb {
  //        before TLS  precondition             needs principal  in transaction  extension           ends group
  HELO(     true,       Precondition.NONE,       false,           true,           null,               true),
  EHLO(     true,       Precondition.NONE,       false,           true,           null,               true),
  MAIL(     false,      Precondition.GREETED,    true,            false,          null,               false),
  RCPT(     false,      Precondition.MAIL,       false,           true,           null,               false),
  DATA(     false,      Precondition.RECIPIENTS, false,           true,           null,               true),
  BDAT(     false,      Precondition.RECIPIENTS, false,           true,           Extension.CHUNKING, false),
  RSET(     false,      Precondition.NONE,       false,           true,           null,               false),
  NOOP(     true,       Precondition.NONE,       false,           true,           null,               true),
  QUIT(     true,       Precondition.NONE,       false,           true,           null,               true),
  VRFY(     false,      Precondition.NONE,       false,           true,           null,               true),
  EXPN(     false,      Precondition.NONE,       false,           true,           null,               true),
  HELP(     false,      Precondition.NONE,       false,           true,           null,               true),
  STARTTLS( true,       Precondition.NONE,       false,           false,          Extension.STARTTLS, true),
  // AUTH's availability depends on TLS and the listener (538 vs 502), so its handler decides.
  AUTH(     false,      Precondition.GREETED,    false,           false,          null,               true),
  /** Anything else: answered 500 without further checks. */
  UNKNOWN(  false,      Precondition.NONE,       false,           true,           null,               true);

  /** How far the dialogue must have come before the verb makes sense (RFC 5321 §4.1.4). */
  public enum Precondition {
    NONE,
    /** After EHLO or HELO. */
    GREETED,
    /** After MAIL. */
    MAIL,
    /** After at least one accepted RCPT. */
    RECIPIENTS
  }

  private final boolean isAllowedBeforeTls;
  private final Precondition precondition;
  private final boolean needsPrincipal;
  private final boolean isAllowedInTransaction;
  private final Extension extension;
  private final boolean endsPipelineGroup;

  Verb(
      boolean isAllowedBeforeTls,
      Precondition precondition,
      boolean needsPrincipal,
      boolean isAllowedInTransaction,
      Extension extension,
      boolean endsPipelineGroup) {
    this.isAllowedBeforeTls = isAllowedBeforeTls;
    this.precondition = precondition;
    this.needsPrincipal = needsPrincipal;
    this.isAllowedInTransaction = isAllowedInTransaction;
    this.extension = extension;
    this.endsPipelineGroup = endsPipelineGroup;
  }

  /** RFC 8314 §3.3 / Postfix smtpd_tls_auth_only: what a submission client may say before TLS. */
  public boolean isAllowedBeforeTls() {
    return isAllowedBeforeTls;
  }

  public Precondition precondition() {
    return precondition;
  }

  /** RFC 6409 §4.1: on submission listeners, MAIL needs an authenticated principal. */
  public boolean needsPrincipal() {
    return needsPrincipal;
  }

  /** MAIL inside a transaction is nested; AUTH inside one is refused (RFC 4954 §4). */
  public boolean isAllowedInTransaction() {
    return isAllowedInTransaction;
  }

  /** The extension that must have been announced for the verb to exist, if any. */
  public Optional<Extension> extension() {
    return Optional.ofNullable(extension);
  }

  /**
   * RFC 2920 §3.1: commands after which the client waits for replies. The server flushes its replies
   * after these, and whenever it would otherwise block on a read.
   */
  public boolean endsPipelineGroup() {
    return endsPipelineGroup;
  }

  /** RFC 3207 §4.2: STARTTLS is refused once TLS is active. */
  public boolean isRefusedUnderTls() {
    return this == STARTTLS;
  }

  /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets, CRLF included. */
  public static final int COMMAND_LINE_OCTETS = 512;

  /** RFC 4954 §4: an AUTH line (with an initial response) may reach 12,288 octets. */
  public static final int AUTH_LINE_OCTETS = 12_288;

  /**
   * The longest command line this verb may have, CRLF included: RFC 5321's 512 plus what each
   * extension this server offers adds to it (RFC 5321 §4.5.3.1.4 lets extensions raise it).
   */
  public int maxLineOctets() {
    return switch (this) {
      // RFC 1870 §3 (SIZE=) 26, RFC 3461 §4 (RET=, ENVID=) 100, RFC 4954 §5 (AUTH=) 500.
      case MAIL -> COMMAND_LINE_OCTETS + 26 + 100 + 500;
      // RFC 3461 §4 (NOTIFY=, ORCPT=) 500.
      case RCPT -> COMMAND_LINE_OCTETS + 500;
      case AUTH -> AUTH_LINE_OCTETS;
      default -> COMMAND_LINE_OCTETS;
    };
  }

  /** The verb a command line starts with (its first word), without decoding the rest of it. */
  public static Verb ofLine(byte[] line) {
    int end = 0;
    while (end < line.length && end < 9 && line[end] != ' ') {
      end++;
    }
    return of(new String(line, 0, end, StandardCharsets.ISO_8859_1));
  }

  /** The verb a command word names, case-insensitively (RFC 5321 §2.4); UNKNOWN otherwise. */
  public static Verb of(String word) {
    if (word.length() < 4 || word.length() > 8) {
      return UNKNOWN;
    }
    // RFC 5321 §2.4: verbs are ASCII, folded in ASCII only. toUpperCase alone would also map
    // "maıl" (dotless i) to MAIL and "ſtarttls" (long s) to STARTTLS: a UTF-8 line must not
    // reach a verb another MTA would read as unknown (found by CommandParserFuzzTest).
    for (int i = 0; i < word.length(); i++) {
      if (word.charAt(i) >= 0x80) {
        return UNKNOWN;
      }
    }
    try {
      Verb verb = valueOf(word.toUpperCase(Locale.ROOT));
      return verb;
    } catch (IllegalArgumentException notAVerb) {
      return UNKNOWN;
    }
  }
}
