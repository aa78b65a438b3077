package dev.hikyaku.protocol;

import dev.hikyaku.protocol.PathSyntax.PathException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one command line (without its CRLF) into a {@link Parse}. Pure: the same line and the same
 * announced extensions always give the same result.
 */
public final class CommandParser {

  private CommandParser() {}

  // RFC 5321 §4.1.1.1 allows a domain or an address literal; real clients also send NetBIOS-style
  // names with underscores, so the check is on characters, not on DNS label rules.
  private static final Pattern HELO_NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}|\\[[0-9A-Za-z:.]{1,64}\\]");
  // RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  private static final Pattern ESMTP_KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  // RFC 4954 §4 / RFC 4422 §3.1: sasl-mech = 1*20mech-char
  private static final Pattern SASL_MECH = Pattern.compile("[A-Za-z0-9_-]{1,20}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

  /**
   * @param extensions the extensions announced to this client; parameters of others are refused
   */
  public static Parse parse(String line, Set<Extension> extensions) {
    int space = line.indexOf(' ');
    String word = space < 0 ? line : line.substring(0, space);
    String argument = space < 0 ? "" : line.substring(space + 1);
    Verb verb = Verb.of(word);
    return switch (verb) {
      case HELO -> heloName(argument)
          .<Parse>map(name -> valid(new Command.Helo(name)))
          .orElseGet(() -> invalid(verb, Replies.syntax("HELO hostname")));
      case EHLO -> heloName(argument)
          .<Parse>map(name -> valid(new Command.Ehlo(name)))
          .orElseGet(() -> invalid(verb, Replies.syntax("EHLO hostname")));
      case MAIL -> mail(argument, extensions);
      case RCPT -> rcpt(argument, extensions);
      case DATA -> noArgument(verb, argument, new Command.Data(), "DATA");
      case RSET -> noArgument(verb, argument, new Command.Rset(), "RSET");
      case QUIT -> noArgument(verb, argument, new Command.Quit(), "QUIT");
      case STARTTLS ->
          argument.isEmpty() ? valid(new Command.StartTls()) : invalid(verb, Replies.startTlsSyntax());
      // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
      case NOOP -> valid(new Command.Noop());
      case VRFY -> argument.isBlank()
          ? invalid(verb, Replies.syntax("VRFY address"))
          : valid(new Command.Vrfy(argument));
      case EXPN -> argument.isBlank()
          ? invalid(verb, Replies.syntax("EXPN list"))
          : valid(new Command.Expn(argument));
      case HELP -> valid(new Command.Help(argument));
      case BDAT -> bdat(argument);
      case AUTH -> auth(argument);
      case UNKNOWN -> valid(new Command.Unknown(word));
    };
  }

  private static Optional<String> heloName(String argument) {
    return HELO_NAME.matcher(argument).matches() ? Optional.of(argument) : Optional.empty();
  }

  private static Parse noArgument(Verb verb, String argument, Command command, String usage) {
    return argument.isEmpty() ? valid(command) : invalid(verb, Replies.syntax(usage));
  }

  /** The {@code <path>} after "FROM:" or "TO:", and whatever follows it. */
  private record PathArgument(String path, String rest) {}

  private static Optional<PathArgument> pathArgument(String argument, String prefix) {
    if (!argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
      return Optional.empty();
    }
    // RFC 5321 §4.1.1.2-3 allow no space after the colon; one is tolerated, as nearly every MTA
    // does, because some clients send it.
    String text = argument.substring(prefix.length()).stripLeading();
    int length = PathSyntax.pathLength(text);
    return length < 0
        ? Optional.empty()
        : Optional.of(new PathArgument(text.substring(0, length), text.substring(length)));
  }

  private static Parse mail(String argument, Set<Extension> extensions) {
    Optional<PathArgument> argumentParts = pathArgument(argument, "FROM:");
    if (argumentParts.isEmpty()) {
      return invalid(Verb.MAIL, Replies.syntax("MAIL FROM:<address>"));
    }
    ReversePath from;
    try {
      from = PathSyntax.reversePath(argumentParts.get().path());
    } catch (PathException e) {
      return invalid(Verb.MAIL, Replies.badSenderSyntax(e.getMessage()));
    }
    ParamsOrReply<MailParams> params = mailParams(argumentParts.get().rest(), extensions);
    if (params.reply != null) {
      return invalid(Verb.MAIL, params.reply);
    }
    if (from.mailbox().map(Mailbox::isInternationalized).orElse(false) && !params.value.isSmtpUtf8()) {
      return invalid(Verb.MAIL, Replies.needsSmtpUtf8());
    }
    return valid(new Command.Mail(from, params.value));
  }

  private static Parse rcpt(String argument, Set<Extension> extensions) {
    Optional<PathArgument> argumentParts = pathArgument(argument, "TO:");
    if (argumentParts.isEmpty()) {
      return invalid(Verb.RCPT, Replies.syntax("RCPT TO:<address>"));
    }
    ForwardPath to;
    try {
      to = PathSyntax.forwardPath(argumentParts.get().path());
    } catch (PathException e) {
      return invalid(Verb.RCPT, Replies.badRecipientSyntax(e.getMessage()));
    }
    ParamsOrReply<RcptParams> params = rcptParams(argumentParts.get().rest(), extensions);
    if (params.reply != null) {
      return invalid(Verb.RCPT, params.reply);
    }
    return valid(new Command.Rcpt(to, params.value));
  }

  private record ParamsOrReply<T>(T value, Reply reply) {}

  /** One ESMTP parameter (RFC 5321 §4.1.2: esmtp-keyword ["=" esmtp-value]); value null if none. */
  private record Param(String keyword, String value) {}

  private static final Pattern SPACES = Pattern.compile(" +");

  /** Splits the parameters after a path, checking keyword syntax and refusing repeats. */
  private static ParamsOrReply<List<Param>> parameters(String text, String usage) {
    List<Param> params = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String token : SPACES.split(text.strip())) {
      int eq = token.indexOf('=');
      String keyword = (eq < 0 ? token : token.substring(0, eq)).toUpperCase(Locale.ROOT);
      if (!ESMTP_KEYWORD.matcher(keyword).matches()) {
        return new ParamsOrReply<>(null, Replies.syntax(usage));
      }
      if (!seen.add(keyword)) {
        return new ParamsOrReply<>(null, Replies.duplicateParameter(keyword));
      }
      params.add(new Param(keyword, eq < 0 ? null : token.substring(eq + 1)));
    }
    return new ParamsOrReply<>(params, null);
  }

  private static ParamsOrReply<MailParams> mailParams(String text, Set<Extension> extensions) {
    OptionalLong size = OptionalLong.empty();
    Body body = Body.SEVEN_BIT;
    boolean isSmtpUtf8 = false;
    boolean isRequireTls = false;
    Optional<String> auth = Optional.empty();
    Optional<Ret> ret = Optional.empty();
    Optional<String> envId = Optional.empty();
    if (text.isBlank()) {
      return new ParamsOrReply<>(MailParams.NONE, null);
    }
    if (!text.startsWith(" ")) {
      return new ParamsOrReply<>(null, Replies.syntax("MAIL FROM:<address> [parameters]"));
    }
    ParamsOrReply<List<Param>> tokens = parameters(text, "MAIL FROM:<address> [parameters]");
    if (tokens.reply != null) {
      return new ParamsOrReply<>(null, tokens.reply);
    }
    for (Param param : tokens.value) {
      String keyword = param.keyword();
      String value = param.value();
      switch (keyword) {
        case "SIZE" -> {
          if (!extensions.contains(Extension.SIZE)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          if (value == null || !DIGITS.matcher(value).matches()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          size = OptionalLong.of(Long.parseLong(value));
        }
        case "BODY" -> {
          if (!extensions.contains(Extension.EIGHT_BIT_MIME)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          if (value == null) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          switch (value.toUpperCase(Locale.ROOT)) {
            case "7BIT" -> body = Body.SEVEN_BIT;
            case "8BITMIME" -> body = Body.EIGHT_BIT_MIME;
            // RFC 3030 §3: BINARYMIME needs its own extension, which is not offered.
            case "BINARYMIME" -> {
              return new ParamsOrReply<>(null, Replies.unsupportedParameter("BODY=BINARYMIME"));
            }
            default -> {
              return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
            }
          }
        }
        case "SMTPUTF8" -> {
          if (!extensions.contains(Extension.SMTPUTF8)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          if (value != null) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          isSmtpUtf8 = true;
        }
        case "AUTH" -> {
          if (!extensions.contains(Extension.AUTH)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          Optional<String> decoded = value == null ? Optional.empty() : Xtext.decode(value);
          if (decoded.isEmpty()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          auth = decoded;
        }
        case "RET" -> {
          if (!extensions.contains(Extension.DSN)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          // RFC 3461 §4.3: ret-value = "FULL" / "HDRS"
          Optional<Ret> parsed = value == null ? Optional.empty() : switch (value.toUpperCase(Locale.ROOT)) {
            case "FULL" -> Optional.of(Ret.FULL);
            case "HDRS" -> Optional.of(Ret.HDRS);
            default -> Optional.empty();
          };
          if (parsed.isEmpty()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          ret = parsed;
        }
        case "ENVID" -> {
          if (!extensions.contains(Extension.DSN)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          Optional<String> decoded = envId(value);
          if (decoded.isEmpty()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          envId = decoded;
        }
        case "REQUIRETLS" -> {
          // RFC 8689 §4.1: offered (and so accepted) only over TLS; it takes no value.
          if (!extensions.contains(Extension.REQUIRETLS)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          if (value != null) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
          isRequireTls = true;
        }
        default -> {
          return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
        }
      }
    }
    return new ParamsOrReply<>(new MailParams(size, body, isSmtpUtf8, auth, ret, envId, isRequireTls), null);
  }

  /**
   * RFC 3461 §4.4: the ENVID value is at most 100 characters of xtext, and what it encodes
   * "printable (graphic and white space) characters from the US-ASCII repertoire".
   */
  private static Optional<String> envId(String value) {
    if (value == null || value.isEmpty() || value.length() > 100) {
      return Optional.empty();
    }
    return Xtext.decode(value).filter(CommandParser::isPrintableAscii);
  }

  private static boolean isPrintableAscii(String text) {
    return text.chars().allMatch(c -> c >= 0x20 && c <= 0x7E);
  }

  private static ParamsOrReply<RcptParams> rcptParams(String text, Set<Extension> extensions) {
    if (text.isBlank()) {
      return new ParamsOrReply<>(RcptParams.NONE, null);
    }
    if (!text.startsWith(" ")) {
      return new ParamsOrReply<>(null, Replies.syntax("RCPT TO:<address> [parameters]"));
    }
    Optional<Set<Notify>> notify = Optional.empty();
    Optional<Orcpt> orcpt = Optional.empty();
    ParamsOrReply<List<Param>> tokens = parameters(text, "RCPT TO:<address> [parameters]");
    if (tokens.reply != null) {
      return new ParamsOrReply<>(null, tokens.reply);
    }
    for (Param param : tokens.value) {
      String keyword = param.keyword();
      String value = param.value();
      switch (keyword) {
        case "NOTIFY" -> {
          if (!extensions.contains(Extension.DSN)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          notify = notify(value);
          if (notify.isEmpty()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
        }
        case "ORCPT" -> {
          if (!extensions.contains(Extension.DSN)) {
            return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
          }
          orcpt = orcpt(value);
          if (orcpt.isEmpty()) {
            return new ParamsOrReply<>(null, Replies.badParameterValue(keyword));
          }
        }
        default -> {
          return new ParamsOrReply<>(null, Replies.unsupportedParameter(keyword));
        }
      }
    }
    return new ParamsOrReply<>(new RcptParams(notify, orcpt), null);
  }

  /**
   * RFC 3461 §4.1: notify-esmtp-value = "NEVER" / 1#notify-list-element, element = "SUCCESS" /
   * "FAILURE" / "DELAY"; NEVER may not be combined with the others.
   */
  private static Optional<Set<Notify>> notify(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.empty();
    }
    Set<Notify> keywords = EnumSet.noneOf(Notify.class);
    for (String element : value.split(",", -1)) {
      switch (element.toUpperCase(Locale.ROOT)) {
        case "NEVER" -> keywords.add(Notify.NEVER);
        case "SUCCESS" -> keywords.add(Notify.SUCCESS);
        case "FAILURE" -> keywords.add(Notify.FAILURE);
        case "DELAY" -> keywords.add(Notify.DELAY);
        default -> {
          return Optional.empty();
        }
      }
    }
    if (keywords.contains(Notify.NEVER) && keywords.size() > 1) {
      return Optional.empty();
    }
    return Optional.of(keywords);
  }

  // RFC 3461 §4.2: addr-type is an atom (RFC 5322 atext).
  private static final Pattern ADDR_TYPE = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+");

  /** RFC 3461 §4.2: orcpt-value = addr-type ";" xtext, at most 500 characters. */
  private static Optional<Orcpt> orcpt(String value) {
    if (value == null || value.length() > 500) {
      return Optional.empty();
    }
    int semicolon = value.indexOf(';');
    if (semicolon <= 0 || semicolon == value.length() - 1) {
      return Optional.empty();
    }
    String type = value.substring(0, semicolon);
    if (!ADDR_TYPE.matcher(type).matches()) {
      return Optional.empty();
    }
    return Xtext.decode(value.substring(semicolon + 1)).map(address -> new Orcpt(type, address));
  }

  /** {@link MailParams#parse}: stored parameters go through the same code as MAIL FROM. */
  static MailParams storedMailParams(String wire) {
    ParamsOrReply<MailParams> params = mailParams(wire.isBlank() ? "" : " " + wire, allExtensions());
    if (params.reply != null) {
      throw new IllegalArgumentException("stored MAIL parameters \"" + wire + "\" are not valid: " + params.reply);
    }
    return params.value;
  }

  /** {@link RcptParams#parse}: stored parameters go through the same code as RCPT TO. */
  static RcptParams storedRcptParams(String wire) {
    ParamsOrReply<RcptParams> params = rcptParams(wire.isBlank() ? "" : " " + wire, allExtensions());
    if (params.reply != null) {
      throw new IllegalArgumentException("stored RCPT parameters \"" + wire + "\" are not valid: " + params.reply);
    }
    return params.value;
  }

  private static Parse bdat(String argument) {
    // RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
    String[] parts = argument.split(" ", -1);
    if (parts.length < 1 || parts.length > 2 || !DIGITS.matcher(parts[0]).matches()) {
      return invalid(Verb.BDAT, Replies.syntax("BDAT chunk-size [LAST]"));
    }
    boolean isLast = parts.length == 2;
    if (isLast && !parts[1].equalsIgnoreCase("LAST")) {
      return invalid(Verb.BDAT, Replies.syntax("BDAT chunk-size [LAST]"));
    }
    return valid(new Command.Bdat(Long.parseLong(parts[0]), isLast));
  }

  private static Parse auth(String argument) {
    String[] parts = argument.split(" ", -1);
    if (parts.length > 2 || !SASL_MECH.matcher(parts[0]).matches()) {
      return invalid(Verb.AUTH, Replies.syntax("AUTH mechanism [initial-response]"));
    }
    Optional<String> initial = parts.length == 2 ? Optional.of(parts[1]) : Optional.empty();
    return valid(new Command.Auth(parts[0].toUpperCase(Locale.ROOT), initial));
  }

  private static Parse valid(Command command) {
    return new Parse.Valid(command);
  }

  private static Parse invalid(Verb verb, Reply reply) {
    return new Parse.Invalid(verb, reply);
  }

  /** Every extension: what a client that sent EHLO may use, for tests and defaults. */
  public static Set<Extension> allExtensions() {
    return EnumSet.allOf(Extension.class);
  }
}
