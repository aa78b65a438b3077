package dev.hikyaku.protocol;

/** The outcome of parsing one command line. A bad line still names its verb, so the guard can run. */
public sealed interface Parse {

  Verb verb();

  record Valid(Command command) implements Parse {
    public Verb verb() {
      return command.verb();
    }
  }

  /** The verb was recognised but its arguments were not; {@code reply} says why. */
  record Invalid(Verb verb, Reply reply) implements Parse {}
}
