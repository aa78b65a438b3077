package dev.hikyaku.protocol;

/** The BODY parameter of MAIL (RFC 6152 §2). BINARYMIME (RFC 3030) is not offered. */
public enum Body {
  SEVEN_BIT("7BIT"),
  EIGHT_BIT_MIME("8BITMIME");

  private final String keyword;

  Body(String keyword) {
    this.keyword = keyword;
  }

  public String keyword() {
    return keyword;
  }
}
