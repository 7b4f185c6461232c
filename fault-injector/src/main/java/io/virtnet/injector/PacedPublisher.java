package io.virtnet.injector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Publishes a list of messages (never retained) at the pace of a {@link Pacer}, without waiting for
 * each acknowledgement: QoS 1 order on one connection is kept by the client, and the
 * acknowledgements are awaited together at the end.
 */
public final class PacedPublisher {
  /** One message to send. */
  public record Outgoing(String topic, byte[] payload) {}

  /** What was sent, and how long sending took (until the last acknowledgement). */
  public record Result(int sent, Duration elapsed) {
    /** Messages per second over the run. */
    public double rate() {
      double s = elapsed.toNanos() / 1e9;
      return s > 0 ? sent / s : sent;
    }
  }

  private PacedPublisher() {}

  /**
   * Sends {@code messages} in order, one per pacer slot; {@code onSent} is told of each (on this
   * thread) right after it was handed to the client. Throws when any publish failed or the
   * acknowledgements did not arrive within {@code ackTimeout} after the last send.
   */
  public static Result publish(InjectorClient client, List<Outgoing> messages, Pacer pacer, Consumer<Outgoing> onSent, Duration ackTimeout) {
    long start = System.nanoTime();
    List<CompletableFuture<Void>> acks = new ArrayList<>(messages.size());
    for (Outgoing m : messages) {
      pacer.acquire();
      CompletableFuture<Void> ack = client.publish(m.topic(), m.payload(), false);
      if (ack.isCompletedExceptionally()) {
        InjectorClient.join(ack, ackTimeout); // throws the reason at once
      }
      acks.add(ack);
      onSent.accept(m);
    }
    InjectorClient.join(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)), ackTimeout);
    return new Result(messages.size(), Duration.ofNanos(System.nanoTime() - start));
  }
}
