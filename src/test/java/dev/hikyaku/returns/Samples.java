package dev.hikyaku.returns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The returned-mail samples of {@code src/test/resources/returns/}: real-world layouts (Postfix,
 * Exchange, Gmail, qmail, Exim, ARF) with placeholders for what ties them to one of our messages.
 */
public final class Samples {

  public static final String RECIPIENT = "bob@example.net";
  public static final String MESSAGE_ID = "<invoice-1042@hikyaku.test>";

  private Samples() {}

  /** Sample {@code name} with its placeholders filled in, CRLF line ends (as it comes over SMTP). */
  public static String text(String name, String returnPath, String recipient, String messageId, String feedbackAddress) {
    return raw(name)
        .replace("{{RETURN_PATH}}", returnPath)
        .replace("{{RECIPIENT}}", recipient)
        .replace("{{MESSAGE_ID}}", messageId)
        .replace("{{FEEDBACK_ADDRESS}}", feedbackAddress)
        .replace("\r\n", "\n")
        .replace("\n", "\r\n");
  }

  /** Sample {@code name} as stored. */
  public static String raw(String name) {
    try (InputStream in = Samples.class.getResourceAsStream("/returns/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
