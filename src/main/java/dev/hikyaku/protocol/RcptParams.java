package dev.hikyaku.protocol;

/**
 * The ESMTP parameters of RCPT TO this server understands. None yet: RFC 3461 NOTIFY and ORCPT arrive
 * with DSN support, and until then any parameter is refused with 555 (RFC 5321 §4.1.1.11).
 */
public record RcptParams() {

  public static final RcptParams NONE = new RcptParams();

  public String toWire() {
    return "";
  }
}
