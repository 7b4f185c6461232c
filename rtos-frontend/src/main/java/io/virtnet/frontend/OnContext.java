package io.virtnet.frontend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Runs an action on the context that owns some state, from any thread. On that context already, it
 * runs at once; otherwise the result is handed back on the caller's context (so its callbacks touch
 * only the caller's own state). An action that throws fails the future instead of leaving it hanging.
 */
public final class OnContext {
  private OnContext() {}

  /** Runs {@code action} on {@code owner}; completes as the future it returns does. */
  public static <T> Future<T> call(Context owner, Supplier<Future<T>> action) {
    Context caller = Vertx.currentContext();
    if (caller == owner) {
      return attempt(action);
    }
    Promise<T> p = Promise.promise();
    owner.runOnContext(v -> attempt(action).onComplete(ar -> {
      if (caller == null) {
        p.handle(ar);
      } else {
        caller.runOnContext(x -> p.handle(ar));
      }
    }));
    return p.future();
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
