package dev.hikyaku.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.schedule.RecipientReport;
import dev.hikyaku.schedule.RecipientResult;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: what happened to a recipient travels from the socket to the DSN writer as one {@link
 * DeliveryStatus}, never as text to be parsed again (the regexes that read status codes back out of
 * reply strings are gone). Checked over the record components of every value on that way, and of
 * every record of delivery or schedule they hold.
 */
class TypedOutcomesTest {

  /** The records on the way from an attempt to the DSN writer. */
  private static final List<Class<?>> ON_THE_WAY =
      List.of(Attempt.class, RecipientResult.class, RecipientReport.class, DsnRecipient.class, DsnRequest.class);

  /** The ones that each describe one recipient's outcome. */
  private static final List<Class<?>> OUTCOMES =
      List.of(Attempt.class, RecipientResult.class, RecipientReport.class, DsnRecipient.class);

  /**
   * The components that may be text: addresses and host names, never what happened. The ENVID is
   * the sender's own identifier for the message (RFC 3461 §4.4), given back as it came.
   */
  private static final Set<String> TEXT_ALLOWED = Set.of(
      "recipient", "forwardPath", "finalRecipient", "originalRecipient", "reversePath", "reportingMta",
      "originalEnvelopeId");

  @Test
  void noOutcomeTravelsAsText() {
    List<String> textual = new ArrayList<>();
    for (Class<?> record : reachableRecords()) {
      for (RecordComponent component : record.getRecordComponents()) {
        if (mentions(component.getGenericType(), String.class) && !TEXT_ALLOWED.contains(component.getName())) {
          textual.add(record.getSimpleName() + "." + component.getName() + ": " + component.getGenericType().getTypeName());
        }
      }
    }
    assertThat(textual).as("record components that could carry an outcome as text; type them with DeliveryStatus").isEmpty();
  }

  @Test
  void everyOutcomeIsADeliveryStatus() {
    for (Class<?> record : OUTCOMES) {
      assertThat(record.getRecordComponents())
          .as(record.getSimpleName() + " has its outcome as a DeliveryStatus")
          .filteredOn(c -> c.getType() == DeliveryStatus.class)
          .hasSize(1);
      // No second, parallel account of the outcome: a flag or a reply beside the status.
      assertThat(record.getRecordComponents())
          .as(record.getSimpleName())
          .noneMatch(c -> c.getType() == boolean.class || c.getType() == Boolean.class)
          .noneMatch(c -> mentions(c.getGenericType(), SmtpReply.class));
    }
    // A DSN request reports on its recipients: typed, each with its status.
    assertThat(DsnRequest.class.getRecordComponents())
        .anySatisfy(c -> assertThat(c.getGenericType().getTypeName()).isEqualTo("java.util.List<" + DsnRecipient.class.getName() + ">"));
  }

  @Test
  void theWalkSeesTheRecordsInside() {
    // DsnRequest holds DsnOriginal and DsnRecipient: both are checked.
    assertThat(reachableRecords()).contains(DsnOriginal.class, DsnRecipient.class);
  }

  /** The records on the way, and every record of delivery or schedule their components hold. */
  private static Set<Class<?>> reachableRecords() {
    Set<Class<?>> seen = new LinkedHashSet<>();
    Deque<Class<?>> work = new ArrayDeque<>(ON_THE_WAY);
    while (!work.isEmpty()) {
      Class<?> record = work.removeFirst();
      assertThat(record.isRecord()).as(record.getName()).isTrue();
      if (!seen.add(record)) {
        continue;
      }
      for (RecordComponent component : record.getRecordComponents()) {
        for (Class<?> inner : classesIn(component.getGenericType())) {
          String pkg = inner.getPackageName();
          if (inner.isRecord() && (pkg.equals("dev.hikyaku.delivery") || pkg.equals("dev.hikyaku.schedule"))) {
            work.add(inner);
          }
        }
      }
    }
    return seen;
  }

  private static boolean mentions(Type type, Class<?> wanted) {
    return classesIn(type).contains(wanted);
  }

  /** The classes a type names: itself, and its type arguments (Optional<String>, List<DsnRecipient>). */
  private static Set<Class<?>> classesIn(Type type) {
    Set<Class<?>> classes = new LinkedHashSet<>();
    if (type instanceof Class<?> c) {
      classes.add(c.isArray() ? c.getComponentType() : c);
    } else if (type instanceof ParameterizedType p) {
      classes.addAll(classesIn(p.getRawType()));
      for (Type argument : p.getActualTypeArguments()) {
        classes.addAll(classesIn(argument));
      }
    }
    return classes;
  }
}
