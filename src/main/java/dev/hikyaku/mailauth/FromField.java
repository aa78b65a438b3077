package dev.hikyaku.mailauth;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.james.mime4j.field.address.ASTaddr_spec;
import org.apache.james.mime4j.field.address.AddressListParser;
import org.apache.james.mime4j.field.address.AddressListParserTokenManager;
import org.apache.james.mime4j.field.address.Node;
import org.apache.james.mime4j.field.address.ParseException;
import org.apache.james.mime4j.field.address.SimpleCharStream;
import org.apache.james.mime4j.field.address.SimpleNode;
import org.apache.james.mime4j.field.address.Token;
import org.apache.james.mime4j.field.address.TokenMgrError;

/**
 * The mailboxes of a {@code From:} field (RFC 5322 §3.6.2, address-list of §3.4), at a cost linear
 * in the field's length.
 *
 * <p>The grammar is mime4j's strict RFC 5322 parser. Its {@code DefaultAddressParser} reads through
 * a character buffer that grows by a fixed 2 KiB step, so a long token is copied over and over: a
 * 30 MiB folded display name took minutes. Here the buffer holds the whole value from the start,
 * and the addr-specs are read off the syntax tree as mime4j's builder reads them (token images from
 * the first token of the local part or domain to the last, comments left out).
 */
public final class FromField {

  /**
   * One mailbox's addr-spec (RFC 5322 §3.4.1). A quoted local part is given by its content, without
   * the quotes (mime4j's token image), so {@link #address} of {@code "a b"@example.org} is
   * {@code a b@example.org}: fit for comparing and for the domain, not for writing back into a
   * header (found by MailAuthFuzzTest; the ownership check takes the domain after the last '@').
   */
  public record AddrSpec(String localPart, String domain) {

    /** {@code local-part@domain}, or the local part alone when there is no domain. */
    public String address() {
      return domain.isEmpty() ? localPart : localPart + "@" + domain;
    }

    /** The domain in lower case, as DMARC compares it (RFC 7489 §3.1). */
    public String domainKey() {
      return domain.toLowerCase(Locale.ROOT);
    }
  }

  private FromField() {}

  /**
   * The addr-specs of {@code value} (unfolded, without the field name), groups flattened, in order;
   * empty when it is not a valid address-list.
   */
  public static Optional<List<AddrSpec>> mailboxes(String value) {
    // A buffer as long as the input is never resized: each character is read once.
    SimpleCharStream characters = new SimpleCharStream(new StringReader(value), 1, 1, value.length() + 1);
    AddressListParser parser = new AddressListParser(new AddressListParserTokenManager(characters));
    try {
      List<AddrSpec> out = new ArrayList<>();
      collect(parser.parseAddressList(), out);
      // RFC 5322 §3.2.4: qtext and quoted-pair exclude CR and LF (folding is gone after unfolding),
      // but mime4j lets a bare CR through a quoted local part; such an address would reach reply
      // text (fromHeaderNotOwned) and break it (found by MailAuthFuzzTest).
      for (AddrSpec spec : out) {
        if (hasLineBreak(spec.localPart()) || hasLineBreak(spec.domain())) {
          return Optional.empty();
        }
      }
      return Optional.of(out);
    } catch (ParseException | TokenMgrError | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static boolean hasLineBreak(String text) {
    return text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0;
  }

  /** Depth-first over the tree; the address-list grammar nests a handful of levels at most. */
  private static void collect(Node node, List<AddrSpec> out) {
    if (node instanceof ASTaddr_spec spec) {
      // addr-spec = local-part "@" domain: mime4j's tree gives it those two children, in order.
      String localPart = text((SimpleNode) spec.jjtGetChild(0));
      String domain = spec.jjtGetNumChildren() > 1 ? text((SimpleNode) spec.jjtGetChild(1)) : "";
      out.add(new AddrSpec(localPart, domain));
      return;
    }
    for (int i = 0; i < node.jjtGetNumChildren(); i++) {
      collect(node.jjtGetChild(i), out);
    }
  }

  /** The images of a node's tokens, first to last: what mime4j's builder makes of a local part or domain. */
  private static String text(SimpleNode node) {
    StringBuilder text = new StringBuilder();
    for (Token token = node.firstToken; ; token = token.next) {
      text.append(token.image);
      if (token == node.lastToken || token.next == null) {
        return text.toString();
      }
    }
  }
}
