package dev.hikyaku.protocol;

import java.util.EnumSet;
import java.util.Set;

/** The ESMTP service extensions this server knows, with the keyword each announces in EHLO. */
public enum Extension {
  /** RFC 2920. */
  PIPELINING("PIPELINING"),
  /** RFC 1870; announced with the maximum size as its parameter. */
  SIZE("SIZE"),
  /** RFC 6152. */
  EIGHT_BIT_MIME("8BITMIME"),
  /** RFC 2034. */
  ENHANCED_STATUS_CODES("ENHANCEDSTATUSCODES"),
  /** RFC 3461 delivery status notifications: RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT. */
  DSN("DSN"),
  /** RFC 6531. */
  SMTPUTF8("SMTPUTF8"),
  /** RFC 3030 (BDAT). */
  CHUNKING("CHUNKING"),
  /**
   * RFC 8689: the sender may ask that the message travel only over verified TLS all the way;
   * announced only once TLS is active (§4.1), as the parameter may only be given then.
   */
  REQUIRETLS("REQUIRETLS"),
  /** RFC 3207; announced only before TLS. */
  STARTTLS("STARTTLS"),
  /** RFC 4954; announced only where a mechanism may run. */
  AUTH("AUTH");

  private final String keyword;

  Extension(String keyword) {
    this.keyword = keyword;
  }

  public String keyword() {
    return keyword;
  }

  /** What a client that greeted with HELO gets: plain RFC 5321, no service extensions. */
  public static Set<Extension> none() {
    return EnumSet.noneOf(Extension.class);
  }
}
