package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.InjectorClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * An observer's processing, off the MQTT client's callback thread. The client runs a subscription's
 * callbacks one after the other and a message is stamped when its callback starts, so an observer that
 * decodes what it receives (ours: a link view's JSON) pushed back the stamp of every later message of
 * the same burst, while bare's observer only compares bytes. Both observers hand each message, already
 * stamped, to one worker thread of their own, in order, so both paths are stamped alike.
 */
final class ObserverThread implements AutoCloseable {
  private final ExecutorService worker;

  ObserverThread(String name) {
    worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** {@code handler}, run on the worker in arrival order; messages arriving after {@link #close} are dropped. */
  Consumer<InjectorClient.Message> handOff(Consumer<InjectorClient.Message> handler) {
    return m -> {
      try {
        worker.execute(() -> handler.accept(m));
      } catch (RejectedExecutionException closed) {
        // the path is closed and its client not yet: nobody reads this message any more
      }
    };
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
