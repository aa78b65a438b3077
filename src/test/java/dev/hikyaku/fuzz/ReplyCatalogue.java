package dev.hikyaku.fuzz;

import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.protocol.Mailbox;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The (code, enhanced status) pairs of every reply in {@link Replies}, found by calling each factory
 * with placeholder arguments: a fuzzed input may only ever produce one of these.
 */
final class ReplyCatalogue {

  record Kind(int code, EnhancedStatus status) {}

  private static final Set<Kind> KINDS = collect();

  private ReplyCatalogue() {}

  static boolean contains(Reply reply) {
    return KINDS.contains(new Kind(reply.code(), reply.status()));
  }

  static void check(Reply reply) {
    if (!contains(reply)) {
      throw new AssertionError("reply outside the Replies catalogue: " + reply);
    }
    // Every reply must also be writable: no CR/LF smuggled into its text by the input.
    byte[] wire = reply.toBytes();
    if (wire.length == 0) {
      throw new AssertionError("empty reply");
    }
  }

  private static Set<Kind> collect() {
    Set<Kind> kinds = new HashSet<>();
    for (Method method : Replies.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(method.getModifiers()) || !Modifier.isStatic(method.getModifiers())
          || method.getReturnType() != Reply.class) {
        continue;
      }
      Object[] arguments = Arrays.stream(method.getParameterTypes()).map(ReplyCatalogue::placeholder).toArray();
      try {
        Reply reply = (Reply) method.invoke(null, arguments);
        kinds.add(new Kind(reply.code(), reply.status()));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot call Replies." + method.getName(), e);
      }
    }
    return Set.copyOf(kinds);
  }

  private static Object placeholder(Class<?> type) {
    if (type == String.class) {
      return "x";
    }
    if (type == int.class) {
      return 1;
    }
    if (type == long.class) {
      return 1L;
    }
    if (type == List.class) {
      return List.of();
    }
    if (type == Instant.class) {
      return Instant.EPOCH;
    }
    if (type == ForwardPath.class) {
      return new ForwardPath(new Mailbox("a", "example.org", false));
    }
    throw new IllegalStateException("no placeholder for " + Objects.toString(type));
  }
}
