package io.virtnet.frontend.qemu;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtnet.runtime.mqtt.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link logic of a QEMU-bound device, apart from any driver interface: the config the frontend
 * applies (LINK_UP, a rising ANNOUNCE) becomes QMP {@code set_link} / {@code announce-self} on one
 * NIC. At most one QMP call per device is in flight; while it is, newer desired states only replace
 * each other, so the VM is told the latest state next and never a backlog of stale edges (coalesce,
 * don't queue). Every new QMP session (QEMU started late, restarted, socket back) re-applies the
 * current desired state, and a failed call is retried with backoff. Runs on the context that created
 * it; methods may be called from any thread.
 */
public final class QemuLinkDriverCore {
  private static final Logger LOG = LoggerFactory.getLogger(QemuLinkDriverCore.class);
  static final Duration RETRY_MIN = Duration.ofMillis(200);
  static final Duration RETRY_MAX = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Context context;
  private final QmpClient qmp;
  private final String device;
  private final Backoff retryBackoff = new Backoff(RETRY_MIN, RETRY_MAX);
  private final Runnable removeListener;
  private final List<Waiter> linkWaiters = new ArrayList<>();
  private final List<Promise<Void>> announceWaiters = new ArrayList<>();

  private Handler<QemuLinkState> stateHandler = s -> {};
  private Handler<Void> announceHandler = v -> {};

  private volatile Boolean desired;
  private long desiredSeq;
  /** What QEMU acknowledged on the current session; null right after (re)connecting. */
  private volatile Boolean sessionTold;
  private volatile Boolean told;
  private volatile Instant toldAt;
  private boolean lastAnnounceBit;
  private volatile boolean announcePending;
  private boolean inFlight;
  private volatile boolean qmpAnswered;
  private boolean failing;
  private volatile String lastError;
  private volatile long setLinkCalls;
  private volatile long announces;
  private long retryTimer = -1;
  private boolean closed;

  private record Waiter(long seq, Promise<Void> promise) {}

  /**
   * A core for NIC {@code device} (the QEMU NIC or netdev id {@code set_link} takes) driven through
   * {@code qmp}, which may be shared with other devices of the same VM. The caller starts the client.
   */
  public QemuLinkDriverCore(Vertx vertx, QmpClient qmp, String device) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.qmp = qmp;
    this.device = device;
    this.removeListener = qmp.addConnectionListener(new QmpClient.ConnectionListener() {
      @Override
      public void connected(QmpClient client) {
        onContext(() -> {
          onSession();
          return Future.succeededFuture();
        });
      }

      @Override
      public void disconnected(QmpClient client, String reason) {
        onContext(() -> {
          sessionTold = null;
          notifyState();
          return Future.succeededFuture();
        });
      }
    });
  }

  /** Called with a fresh state whenever what the VM was told, or how QMP answered, changes. */
  public QemuLinkDriverCore stateHandler(Handler<QemuLinkState> handler) {
    this.stateHandler = handler == null ? s -> {} : handler;
    return this;
  }

  /** Called after QEMU answered an {@code announce-self}: the driver then sends ANNOUNCE_ACK. */
  public QemuLinkDriverCore announceHandler(Handler<Void> handler) {
    this.announceHandler = handler == null ? v -> {} : handler;
    return this;
  }

  /**
   * Applies a config as the frontend read it: {@code linkUp} is {@code VIRTIO_NET_S_LINK_UP} (after
   * feature fallback), {@code announce} is {@code VIRTIO_NET_S_ANNOUNCE}; a rising ANNOUNCE asks for
   * one {@code announce-self} after the link. Completes when QEMU acknowledged this state (or a newer
   * one); fails if QMP could not be told now, in which case the state stays desired and is
   * re-applied on the next session or retry.
   */
  public Future<Void> applyConfig(boolean linkUp, boolean announce) {
    return onContext(() -> {
      boolean rising = announce && !lastAnnounceBit;
      lastAnnounceBit = announce;
      Future<Void> link = setCarrierHere(linkUp);
      if (!rising) {
        return link;
      }
      Future<Void> ann = requestAnnounceHere();
      return Future.all(link, ann).mapEmpty();
    });
  }

  /** Desires the NIC's link {@code up} or down; completes when QEMU acknowledged it (or a newer state). */
  public Future<Void> setCarrier(boolean up) {
    return onContext(() -> setCarrierHere(up));
  }

  /** Asks for one {@code announce-self} (sent after any pending link change); completes when answered. */
  public Future<Void> requestAnnounce() {
    return onContext(this::requestAnnounceHere);
  }

  /** The current state (a snapshot; safe from any thread once published by a handler). */
  public QemuLinkState state() {
    return new QemuLinkState(device, desired, told, desired != null && desired.equals(sessionTold),
        qmp.connected(), qmpAnswered, lastError, setLinkCalls, announces, announcePending, toldAt);
  }

  public String device() {
    return device;
  }

  /** Stops retrying and listening (the shared {@link QmpClient} stays open); safe to call twice. */
  public Future<Void> close() {
    return onContext(() -> {
      if (!closed) {
        closed = true;
        removeListener.run();
        cancelRetry();
        failLinkWaiters(Long.MAX_VALUE, new QmpException(QmpException.Reason.CLOSED, null, device + ": driver closed"));
        failAnnounceWaiters(new QmpException(QmpException.Reason.CLOSED, null, device + ": driver closed"));
      }
      return Future.succeededFuture();
    });
  }

  // --- on context ---

  private Future<Void> setCarrierHere(boolean up) {
    if (closed) {
      return Future.failedFuture(new QmpException(QmpException.Reason.CLOSED, null, device + ": driver closed"));
    }
    if (desired == null || desired != up) {
      desired = up;
      desiredSeq++;
      cancelRetry(); // new information is worth one immediate try
    }
    Promise<Void> p = Promise.promise();
    linkWaiters.add(new Waiter(desiredSeq, p));
    pump();
    return p.future();
  }

  private Future<Void> requestAnnounceHere() {
    if (closed) {
      return Future.failedFuture(new QmpException(QmpException.Reason.CLOSED, null, device + ": driver closed"));
    }
    announcePending = true;
    Promise<Void> p = Promise.promise();
    announceWaiters.add(p);
    pump();
    return p.future();
  }

  private void onSession() {
    if (closed) {
      return;
    }
    // the VM may be a new one: whatever it was told before does not count
    sessionTold = null;
    cancelRetry();
    retryBackoff.reset();
    if (desired != null) {
      LOG.info("{}: QMP session up, re-applying link {}", device, desired ? "up" : "down");
    }
    pump();
    notifyState();
  }

  /** Sends the next QMP call if none is in flight: the latest link state first, then an announce. */
  private void pump() {
    if (closed || inFlight || retryTimer != -1) {
      return;
    }
    if (!qmp.connected()) {
      QmpException e = new QmpException(QmpException.Reason.NOT_CONNECTED, null,
          device + ": QMP " + qmp.address() + " not connected" + (qmp.lastError() == null ? "" : " (" + qmp.lastError() + ")"));
      failLinkWaiters(Long.MAX_VALUE, e);
      failAnnounceWaiters(e);
      return;
    }
    if (desired != null && !desired.equals(sessionTold)) {
      boolean value = desired;
      long seq = desiredSeq;
      inFlight = true;
      setLinkCalls++;
      qmp.setLink(device, value).onComplete(ar -> onContext(() -> {
        linkDone(value, seq, ar);
        return Future.succeededFuture();
      }));
      return;
    }
    // nothing to send for the link: whoever waited for an already acknowledged state is done
    completeLinkWaiters(Long.MAX_VALUE);
    if (announcePending) {
      inFlight = true;
      qmp.announceSelf().onComplete(ar -> onContext(() -> {
        announceDone(ar);
        return Future.succeededFuture();
      }));
    }
  }

  private void linkDone(boolean value, long seq, AsyncResult<?> ar) {
    inFlight = false;
    if (ar.succeeded()) {
      told = value;
      toldAt = Instant.now();
      sessionTold = value;
      answered();
      completeLinkWaiters(seq);
    } else {
      failed("set_link " + device + " " + (value ? "up" : "down"), ar.cause());
      failLinkWaiters(seq, ar.cause());
    }
    notifyState();
    pump();
  }

  private void announceDone(AsyncResult<?> ar) {
    inFlight = false;
    if (ar.succeeded()) {
      announcePending = false;
      announces++;
      answered();
      // the ACK goes out before anyone waiting on the announce hears of it
      try {
        announceHandler.handle(null);
      } catch (RuntimeException e) {
        LOG.warn("{}: announce handler failed", device, e);
      }
      List<Promise<Void>> done = new ArrayList<>(announceWaiters);
      announceWaiters.clear();
      done.forEach(Promise::tryComplete);
    } else {
      failed("announce-self", ar.cause());
      failAnnounceWaiters(ar.cause());
    }
    notifyState();
    pump();
  }

  private void answered() {
    qmpAnswered = true;
    if (failing) {
      LOG.info("{}: QMP answers again", device);
    }
    failing = false;
    retryBackoff.reset();
  }

  private void failed(String what, Throwable cause) {
    qmpAnswered = false;
    lastError = what + ": " + cause.getMessage();
    if (!failing) {
      LOG.warn("{}: {}", device, lastError);
    } else {
      LOG.debug("{}: {}", device, lastError);
    }
    failing = true;
    // closed sessions are retried by the reconnect; errors and timeouts on a live session here
    if (qmp.connected() && !closed && retryTimer == -1) {
      retryTimer = vertx.setTimer(retryBackoff.nextDelayMs(), id -> onContext(() -> {
        retryTimer = -1;
        pump();
        return Future.succeededFuture();
      }));
    }
  }

  private void cancelRetry() {
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private void completeLinkWaiters(long uptoSeq) {
    List<Waiter> done = new ArrayList<>();
    linkWaiters.removeIf(w -> w.seq() <= uptoSeq && done.add(w));
    done.forEach(w -> w.promise().tryComplete());
  }

  private void failLinkWaiters(long uptoSeq, Throwable cause) {
    List<Waiter> done = new ArrayList<>();
    linkWaiters.removeIf(w -> w.seq() <= uptoSeq && done.add(w));
    done.forEach(w -> w.promise().tryFail(cause));
  }

  private void failAnnounceWaiters(Throwable cause) {
    List<Promise<Void>> done = new ArrayList<>(announceWaiters);
    announceWaiters.clear();
    done.forEach(p -> p.tryFail(cause));
  }

  private void notifyState() {
    try {
      stateHandler.handle(state());
    } catch (RuntimeException e) {
      LOG.warn("{}: state handler failed", device, e);
    }
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    if (Vertx.currentContext() == context) {
      return action.get();
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }
}
