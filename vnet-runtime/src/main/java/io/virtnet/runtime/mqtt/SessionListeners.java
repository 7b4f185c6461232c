package io.virtnet.runtime.mqtt;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;

/** Actions to run, each on the context that registered it, when the session's connection changes. */
final class SessionListeners {
  private record Listener(Runnable action, Context context) {}

  private final List<Listener> listeners = new ArrayList<>();

  /** Adds {@code action} (run on {@code context}); returns what {@link #remove} takes. */
  Object add(Runnable action, Context context) {
    Listener l = new Listener(action, context);
    listeners.add(l);
    return l;
  }

  void remove(Object listener) {
    listeners.remove(listener);
  }

  /** Runs every action on its own context, later (never inside the caller's turn). */
  void fire() {
    for (Listener l : listeners) {
      l.context.runOnContext(v -> l.action.run());
    }
  }
}
