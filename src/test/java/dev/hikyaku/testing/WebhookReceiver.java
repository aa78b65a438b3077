package dev.hikyaku.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A webhook receiver on loopback (the JDK's HTTP server, plain HTTP): keeps every request it gets
 * and answers 200, or what the test scripted for the next requests. It can be stopped and started
 * again on the same port, to play a receiver that is down, and can hold its answers back, to see
 * how many requests a sender keeps under way at once.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** One request as it came: the Standard Webhooks headers and the body. */
  public record Request(String path, String id, String timestamp, String signature, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** An answer: a status and, when present, a Retry-After. */
  public record Answer(int status, Optional<String> retryAfter) {
    public static Answer of(int status) {
      return new Answer(status, Optional.empty());
    }
  }

  private final int port;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Deque<Answer> scripted = new ArrayDeque<>(); // guarded by lock
  private Answer otherwise = Answer.of(200); // guarded by lock
  private final Condition changed = lock.newCondition();
  private boolean isHolding; // guarded by lock
  private int underWay; // guarded by lock
  private int mostUnderWay; // guarded by lock
  private HttpServer server;

  private WebhookReceiver(int port) {
    this.port = port;
  }

  /** Starts on 127.0.0.1:{@code port} (0: any free port). */
  public static WebhookReceiver start(int port) throws IOException {
    HttpServer server = bind(port);
    WebhookReceiver receiver = new WebhookReceiver(server.getAddress().getPort());
    receiver.serve(server);
    return receiver;
  }

  private static HttpServer bind(int port) throws IOException {
    return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
  }

  private void serve(HttpServer bound) {
    bound.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    bound.createContext("/", this::handle);
    bound.start();
    server = bound;
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:PORT} and {@code path}. */
  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** The next requests get these answers, in order; then {@link #otherwise}'s. */
  public WebhookReceiver script(Answer... answers) {
    return locked(() -> {
      scripted.addAll(List.of(answers));
      return this;
    });
  }

  /** What every request gets once the script is used up. */
  public WebhookReceiver otherwise(Answer answer) {
    return locked(() -> {
      otherwise = answer;
      return this;
    });
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Requests that come from now on wait for their answer until {@link #release}. */
  public WebhookReceiver hold() {
    return locked(() -> {
      isHolding = true;
      return this;
    });
  }

  /** Answers the requests held, and the next ones at once. */
  public WebhookReceiver release() {
    return locked(() -> {
      isHolding = false;
      changed.signalAll();
      return this;
    });
  }

  private <T> T locked(Supplier<T> work) {
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code seconds} until {@code count} requests are under way at once; whether they were. */
  public boolean awaitUnderWay(int count, long seconds) throws InterruptedException {
    long nanos = TimeUnit.SECONDS.toNanos(seconds);
    lock.lock();
    try {
      while (underWay < count && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      return underWay >= count;
    } finally {
      lock.unlock();
    }
  }

  /** The most requests that were under way at once. */
  public int mostUnderWay() {
    return locked(() -> mostUnderWay);
  }

  /** Stops listening: connections are refused until {@link #restart}. */
  public void stop() {
    server.stop(0);
  }

  /** Listens again on the same port. */
  public void restart() throws IOException {
    serve(bind(port));
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    var headers = exchange.getRequestHeaders();
    requests.add(new Request(exchange.getRequestURI().getPath(), headers.getFirst("webhook-id"),
        headers.getFirst("webhook-timestamp"), headers.getFirst("webhook-signature"), body));
    Answer answer;
    lock.lock();
    try {
      underWay++;
      mostUnderWay = Math.max(mostUnderWay, underWay);
      changed.signalAll();
      while (isHolding) {
        changed.awaitUninterruptibly();
      }
      underWay--;
      answer = scripted.isEmpty() ? otherwise : scripted.poll();
    } finally {
      lock.unlock();
    }
    answer.retryAfter().ifPresent(value -> exchange.getResponseHeaders().add("Retry-After", value));
    byte[] reply = ("answered " + answer.status()).getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(answer.status(), reply.length);
    exchange.getResponseBody().write(reply);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
