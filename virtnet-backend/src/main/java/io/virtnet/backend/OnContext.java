package io.virtnet.backend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/** Runs work on a given context from any thread; whatever the work throws fails the future. */
final class OnContext {
  private OnContext() {}

  /** Runs {@code s} on {@code context}; completes with its value. */
  static <T> Future<T> get(Context context, Supplier<T> s) {
    return compose(context, () -> Future.succeededFuture(s.get()));
  }

  /** Runs {@code s} on {@code context}; completes as the future it returns does. */
  static <T> Future<T> compose(Context context, Supplier<Future<T>> s) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        s.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }
}
