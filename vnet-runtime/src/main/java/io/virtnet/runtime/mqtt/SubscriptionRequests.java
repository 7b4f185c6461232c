package io.virtnet.runtime.mqtt;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * SUBSCRIBE and UNSUBSCRIBE requests to the broker, bounded and batched through a {@link SubscribeQueue}
 * (why: see there): at most {@link SubscribeQueue#MAX_IN_FLIGHT} SUBSCRIBEs open, each carrying what was
 * asked for until it leaves (at the end of the turn, or when a slot frees); a turn's unsubscribes in one
 * UNSUBSCRIBE per {@code batch} filters. Few, large packets matter to HiveMQ CE, which copies a client's
 * whole subscription set on every SUBSCRIBE and UNSUBSCRIBE: O(n²) for n filters sent a few at a time.
 * Runs on the session's context.
 */
final class SubscriptionRequests {
  private final SubscriptionRegistry subscriptions;
  private final Context context;
  private final int batch;
  private final SubscribeQueue queue = new SubscribeQueue();
  /** The live connection, null while there is none. */
  private final Supplier<ClientLink> live;

  SubscriptionRequests(SubscriptionRegistry subscriptions, Context context, int batch, Supplier<ClientLink> live) {
    this.subscriptions = subscriptions;
    this.context = context;
    this.batch = batch;
    this.live = live;
  }

  /** Subscribes {@code filter} on the live connection with the rest of this turn's requests. */
  void subscribe(String filter, Promise<Void> acked) {
    if (queue.add(filter, acked)) {
      context.runOnContext(v -> sendQueued()); // at the end of the turn: the turn's later requests join it
    }
  }

  private void sendQueued() {
    ClientLink link = live.get();
    while (link != null && !queue.isEmpty() && subscriptions.inFlight() < SubscribeQueue.MAX_IN_FLIGHT) {
      SubscribeQueue.Batch b = queue.next(batch);
      send(link, b.filters(), b.waiting());
    }
  }

  /**
   * One SUBSCRIBE on {@code link}; {@code waiting} complete with its SUBACK (or the next connection's).
   * Its answer frees a slot, so it sends what queued meanwhile — also for a reconnection's re-subscribe,
   * which can fill every slot at once.
   */
  void send(ClientLink link, Map<String, Integer> filters, List<Promise<Void>> waiting) {
    Promise<Void> answered = Promise.promise(); // acknowledged, or moved on to the next connection
    answered.future().onComplete(ar -> context.runOnContext(v -> sendQueued()));
    SubscriptionRegistry.PendingSubscribe pending = subscriptions.subscribing(link,
        Stream.concat(waiting.stream(), Stream.of(answered)).toList());
    link.subscribe(filters).onComplete(ar -> subscriptions.subscribeSent(pending, ar));
  }

  /** Unsubscribes {@code filter} with the rest of this turn's unsubscribes. */
  void unsubscribe(String filter, Promise<Void> done) {
    if (queue.addUnsubscribe(filter, done)) {
      context.runOnContext(v -> {
        ClientLink link = live.get();
        for (SubscribeQueue.Batch b : queue.takeUnsubscribes(subscriptions::holds, batch)) {
          Future<?> sent = b.filters().isEmpty() || link == null ? Future.succeededFuture()
              : link.client.unsubscribe(List.copyOf(b.filters().keySet()));
          sent.onComplete(ar -> b.waiting().forEach(Promise::tryComplete)); // a lost connection's filters went with it
        }
      });
    }
  }

  /** Everyone whose SUBSCRIBE was not sent yet. */
  List<Promise<Void>> drain() {
    return queue.drain();
  }
}
