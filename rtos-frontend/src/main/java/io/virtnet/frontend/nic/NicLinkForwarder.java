package io.virtnet.frontend.nic;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.mqtt.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a device's link to one VM NIC through a {@link NicControl}: the config the frontend
 * applies (LINK_UP, a rising ANNOUNCE) becomes a link switch and an announce on the NIC (QMP
 * {@code set_link} / {@code announce-self} for QEMU). At most one call per NIC is in flight; while it
 * is, newer desired states only replace each other, so the VM is told the latest state next and never
 * a backlog of stale edges (coalesce, don't queue). Every new session (hypervisor started late,
 * restarted, socket back) re-applies the current desired state, and a failed call is retried with
 * backoff. Runs on the context that created it; methods may be called from any thread.
 */
public final class NicLinkForwarder {
  private static final Logger LOG = LoggerFactory.getLogger(NicLinkForwarder.class);
  static final Duration RETRY_MIN = Duration.ofMillis(200);
  static final Duration RETRY_MAX = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Context context;
  private final NicControl nic;
  private final String device;
  private final Backoff retryBackoff = new Backoff(RETRY_MIN, RETRY_MAX);
  private final Runnable removeListener;
  private final List<Waiter> linkWaiters = new ArrayList<>();
  private final List<Promise<Void>> announceWaiters = new ArrayList<>();

  private Handler<NicLinkState> stateHandler = s -> {};
  private Handler<Void> announceHandler = v -> {};

  private volatile Boolean desired;
  private long desiredSeq;
  /** What the hypervisor acknowledged on the current session; null right after (re)connecting. */
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

  /** A forwarder for the NIC behind {@code nic}, whose connection may be shared with other NICs of the VM. */
  public NicLinkForwarder(Vertx vertx, NicControl nic) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.nic = nic;
    this.device = nic.nic();
    this.removeListener = nic.addSessionListener(new NicControl.SessionListener() {
      @Override
      public void sessionUp() {
        onContext(() -> {
          onSession();
          return Future.succeededFuture();
        });
      }

      @Override
      public void sessionDown(String reason) {
        onContext(() -> {
          sessionTold = null;
          notifyState();
          return Future.succeededFuture();
        });
      }
    });
  }

  /** Called with a fresh state whenever what the VM was told, or how QMP answered, changes. */
  public NicLinkForwarder stateHandler(Handler<NicLinkState> handler) {
    this.stateHandler = handler == null ? s -> {} : handler;
    return this;
  }

  /** Called after the hypervisor took an announce: the driver then sends ANNOUNCE_ACK. */
  public NicLinkForwarder announceHandler(Handler<Void> handler) {
    this.announceHandler = handler == null ? v -> {} : handler;
    return this;
  }

  /**
   * Applies a config as the frontend read it: {@code linkUp} is {@code VIRTIO_NET_S_LINK_UP} (after
   * feature fallback), {@code announce} is {@code VIRTIO_NET_S_ANNOUNCE}; a rising ANNOUNCE asks for
   * one announce after the link. Completes when the hypervisor acknowledged this state (or a newer
   * one); fails if the NIC could not be told now, in which case the state stays desired and is
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

  /** Desires the NIC's link {@code up} or down; completes when the hypervisor acknowledged it (or a newer state). */
  public Future<Void> setCarrier(boolean up) {
    return onContext(() -> setCarrierHere(up));
  }

  /** Asks for one announce (sent after any pending link change); completes when answered. */
  public Future<Void> requestAnnounce() {
    return onContext(this::requestAnnounceHere);
  }

  /** The current state (a snapshot; safe from any thread once published by a handler). */
  public NicLinkState state() {
    return new NicLinkState(device, desired, told, desired != null && desired.equals(sessionTold),
        nic.connected(), qmpAnswered, lastError, setLinkCalls, announces, announcePending, toldAt);
  }

  public String device() {
    return device;
  }

  /** Stops retrying and listening (the {@link NicControl} stays open); safe to call twice. */
  public Future<Void> close() {
    return onContext(() -> {
      if (!closed) {
        closed = true;
        removeListener.run();
        cancelRetry();
        failLinkWaiters(Long.MAX_VALUE, new NicLinkException(NicLinkException.Reason.CLOSED, device + ": driver closed"));
        failAnnounceWaiters(new NicLinkException(NicLinkException.Reason.CLOSED, device + ": driver closed"));
      }
      return Future.succeededFuture();
    });
  }

  // --- on context ---

  private Future<Void> setCarrierHere(boolean up) {
    if (closed) {
      return Future.failedFuture(new NicLinkException(NicLinkException.Reason.CLOSED, device + ": driver closed"));
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
      return Future.failedFuture(new NicLinkException(NicLinkException.Reason.CLOSED, device + ": driver closed"));
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
      LOG.info("{}: session up, re-applying link {}", device, desired ? "up" : "down");
    }
    pump();
    notifyState();
  }

  /** Sends the next QMP call if none is in flight: the latest link state first, then an announce. */
  private void pump() {
    if (closed || inFlight || retryTimer != -1) {
      return;
    }
    if (!nic.connected()) {
      NicLinkException e = new NicLinkException(NicLinkException.Reason.NOT_CONNECTED,
          device + ": " + nic.address() + " not connected" + (nic.lastError() == null ? "" : " (" + nic.lastError() + ")"));
      failLinkWaiters(Long.MAX_VALUE, e);
      failAnnounceWaiters(e);
      return;
    }
    if (desired != null && !desired.equals(sessionTold)) {
      boolean value = desired;
      long seq = desiredSeq;
      inFlight = true;
      setLinkCalls++;
      nic.setLink(value).onComplete(ar -> onContext(() -> {
        linkDone(value, seq, ar);
        return Future.succeededFuture();
      }));
      return;
    }
    // nothing to send for the link: whoever waited for an already acknowledged state is done
    completeLinkWaiters(Long.MAX_VALUE);
    if (announcePending) {
      inFlight = true;
      nic.announce().onComplete(ar -> onContext(() -> {
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
      failed("announce", ar.cause());
      failAnnounceWaiters(ar.cause());
    }
    notifyState();
    pump();
  }

  private void answered() {
    qmpAnswered = true;
    if (failing) {
      LOG.info("{}: answers again", device);
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
    if (nic.connected() && !closed && retryTimer == -1) {
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
    return ContextCalls.call(context, action);
  }
}
