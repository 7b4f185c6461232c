package io.virtnet.injector.chaos;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** The soak's one way to wait on its own (command-line) thread: parks, keeps the interrupt. */
final class LockSupportPause {
  private LockSupportPause() {}

  static void pause(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long left;
    while ((left = end - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted()) {
      LockSupport.parkNanos(left);
    }
  }
}
