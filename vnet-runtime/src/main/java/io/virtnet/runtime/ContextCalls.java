package io.virtnet.runtime;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs an action on the context that owns some state, from any thread: at once when the caller is on
 * that context already, otherwise as a task there. A result is handed back on the caller's context (so
 * its callbacks touch only the caller's own state). An action that throws, or returns no future, fails
 * the future instead of leaving it hanging; a missing owner (not deployed yet) fails it too.
 */
public final class ContextCalls {
  private ContextCalls() {}

  /** Runs {@code action} on {@code owner}: now if the caller is on it, else later there. */
  public static void run(Context owner, Runnable action) {
    Objects.requireNonNull(owner, "owner context (not started yet?)");
    if (Vertx.currentContext() == owner) {
      action.run();
    } else {
      owner.runOnContext(v -> action.run());
    }
  }

  /** Runs {@code action} on {@code owner}; completes with its value, on the caller's context. */
  public static <T> Future<T> get(Context owner, Supplier<T> action) {
    return call(owner, () -> Future.succeededFuture(action.get()));
  }

  /** Runs {@code action} on {@code owner}; completes as the future it returns does, on the caller's context. */
  public static <T> Future<T> call(Context owner, Supplier<Future<T>> action) {
    if (owner == null) {
      return Future.failedFuture(new IllegalStateException("not started: no context to run on"));
    }
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
      Future<T> f = action.get();
      return f != null ? f : Future.failedFuture(new IllegalStateException("the action returned no future"));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
