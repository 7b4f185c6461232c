package io.virtnet.backend;

import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/**
 * Tells the API (dashboard, SSE) that an instance changed, at most once per {@code delayMs}: in a
 * storm, building a snapshot per config write cost about a tenth of the event loop, and a viewer only
 * needs the latest state. Use it from the instance's context.
 */
final class CoalescedChange {
  private final Vertx vertx;
  private final long delayMs;
  private final BooleanSupplier listened;
  private final Runnable emit;
  private boolean pending;
  private boolean closed;

  CoalescedChange(Vertx vertx, long delayMs, BooleanSupplier listened, Runnable emit) {
    this.vertx = vertx;
    this.delayMs = delayMs;
    this.listened = listened;
    this.emit = emit;
  }

  void changed() {
    if (closed || pending || !listened.getAsBoolean()) {
      return;
    }
    pending = true;
    vertx.setTimer(delayMs, t -> {
      pending = false;
      if (!closed) {
        emit.run();
      }
    });
  }

  void close() {
    closed = true;
  }
}
