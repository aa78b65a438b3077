package dev.hikyaku.protocol;

import java.util.Optional;

/** A syntactically valid SMTP command (RFC 5321 §4.1.1), one record per verb. */
public sealed interface Command {

  Verb verb();

  /** RFC 5321 §4.1.1.1. */
  record Helo(String domain) implements Command {
    public Verb verb() {
      return Verb.HELO;
    }
  }

  /** RFC 5321 §4.1.1.1. */
  record Ehlo(String domain) implements Command {
    public Verb verb() {
      return Verb.EHLO;
    }
  }

  /** RFC 5321 §4.1.1.2. */
  record Mail(ReversePath from, MailParams params) implements Command {
    public Verb verb() {
      return Verb.MAIL;
    }
  }

  /** RFC 5321 §4.1.1.3. */
  record Rcpt(ForwardPath to, RcptParams params) implements Command {
    public Verb verb() {
      return Verb.RCPT;
    }
  }

  /** RFC 5321 §4.1.1.4. */
  record Data() implements Command {
    public Verb verb() {
      return Verb.DATA;
    }
  }

  /** RFC 3030 §2: {@code BDAT chunk-size [SP end-marker]}. */
  record Bdat(long size, boolean isLast) implements Command {
    public Verb verb() {
      return Verb.BDAT;
    }
  }

  /** RFC 5321 §4.1.1.5. */
  record Rset() implements Command {
    public Verb verb() {
      return Verb.RSET;
    }
  }

  /** RFC 5321 §4.1.1.9; the argument, if any, is ignored. */
  record Noop() implements Command {
    public Verb verb() {
      return Verb.NOOP;
    }
  }

  /** RFC 5321 §4.1.1.10. */
  record Quit() implements Command {
    public Verb verb() {
      return Verb.QUIT;
    }
  }

  /** RFC 5321 §4.1.1.6. */
  record Vrfy(String argument) implements Command {
    public Verb verb() {
      return Verb.VRFY;
    }
  }

  /** RFC 5321 §4.1.1.7. */
  record Expn(String argument) implements Command {
    public Verb verb() {
      return Verb.EXPN;
    }
  }

  /** RFC 5321 §4.1.1.8. */
  record Help(String topic) implements Command {
    public Verb verb() {
      return Verb.HELP;
    }
  }

  /** RFC 3207 §4. */
  record StartTls() implements Command {
    public Verb verb() {
      return Verb.STARTTLS;
    }
  }

  /** RFC 4954 §4: {@code AUTH mechanism [SP initial-response]}. */
  record Auth(String mechanism, Optional<String> initialResponse) implements Command {
    public Verb verb() {
      return Verb.AUTH;
    }
  }

  /** A verb this server does not know. */
  record Unknown(String word) implements Command {
    public Verb verb() {
      return Verb.UNKNOWN;
    }
  }
}
