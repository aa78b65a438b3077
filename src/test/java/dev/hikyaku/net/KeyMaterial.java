package dev.hikyaku.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Assertions that text (messages, logs, stack traces) quotes nothing of a PEM body. */
final class KeyMaterial {

  /** Shorter runs can occur by chance in ordinary text; 16 Base64 characters are 96 bits. */
  private static final int WINDOW = 16;

  private KeyMaterial() {}

  /** The Base64 body of a PEM text, without armor lines and line breaks. */
  static String body(String pem) {
    var body = new StringBuilder();
    for (String line : pem.split("\\R")) {
      if (!line.startsWith("-----") && !line.isBlank() && !line.contains(":")) {
        body.append(line.strip());
      }
    }
    return body.toString();
  }

  /** Fails if {@code text} contains any 16-character run of {@code pem}'s body, or a body line. */
  static void assertNotQuoted(String text, String pem) {
    String body = body(pem);
    assertThat(body).as("the PEM under test has a body").hasSizeGreaterThan(WINDOW);
    for (int i = 0; i + WINDOW <= body.length(); i++) {
      String window = body.substring(i, i + WINDOW);
      assertThat(text).as("text quotes key material at offset %d", i).doesNotContain(window);
    }
  }

  /** Message, toString and the printed stack trace of {@code e} and all its causes. */
  static String everythingSaidBy(Throwable e) {
    var printed = new StringWriter();
    e.printStackTrace(new PrintWriter(printed));
    return e.getMessage() + "\n" + e + "\n" + printed;
  }
}
