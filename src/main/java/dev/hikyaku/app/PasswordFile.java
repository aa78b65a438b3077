package dev.hikyaku.app;

import dev.hikyaku.app.Server.StartupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A password the configuration names by file ({@code password-file}), never by value: read at
 * start, trailing white space (the editor's newline) stripped. The file's path appears in errors,
 * its content never.
 */
final class PasswordFile {

  // Read no more than a password can be: /dev/zero or a wrong file must not fill the heap.
  private static final int MAX_OCTETS = 9216;

  private PasswordFile() {}

  /** The password in {@code file}; {@code where} names the key in errors ("store.password-file"). */
  static char[] read(Path file, String where) throws StartupException {
    byte[] octets;
    try (InputStream in = Files.newInputStream(file)) {
      octets = in.readNBytes(MAX_OCTETS + 1);
    } catch (IOException e) {
      throw new StartupException(where + ": cannot read " + file, e);
    }
    try {
      if (octets.length > MAX_OCTETS) {
        throw new StartupException(where + ": " + file + " is longer than " + MAX_OCTETS
            + " octets; it must hold the password alone", null);
      }
      return new String(octets, StandardCharsets.UTF_8).strip().toCharArray();
    } finally {
      Arrays.fill(octets, (byte) 0);
    }
  }
}
