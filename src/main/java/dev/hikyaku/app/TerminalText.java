package dev.hikyaku.app;

/**
 * Text made safe to show on a terminal. Error lines quote what the user typed and what the store
 * holds; a control character there could move the cursor, clear the screen or set the window title
 * (ECMA-48: ESC and CSI sequences, U+009B being CSI itself), a CR or LF could forge a line, and a
 * bidirectional control could show the text in another order than it was written. Each such
 * character is shown as a visible escape instead.
 */
final class TerminalText {

  private TerminalText() {}

  /**
   * {@code text} with the C0 controls, DEL and the C1 controls as {@code \x1b}-style escapes, and
   * invisible format characters (bidirectional controls among them) and the line and paragraph
   * separators as {@code \u202e}-style escapes. Everything else, other scripts included, is kept.
   */
  static String visible(String text) {
    String shown = String.valueOf(text);
    StringBuilder visible = new StringBuilder(shown.length());
    shown.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        visible.append(String.format("\\x%02x", c));
      } else if (isInvisible(c)) {
        visible.append(String.format(c > 0xFFFF ? "\\U%08x" : "\\u%04x", c));
      } else {
        visible.appendCodePoint(c);
      }
    });
    return visible.toString();
  }

  private static boolean isInvisible(int c) {
    int type = Character.getType(c);
    return type == Character.FORMAT
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }
}
