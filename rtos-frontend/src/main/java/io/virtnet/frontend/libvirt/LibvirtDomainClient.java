package io.virtnet.frontend.libvirt;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtnet.frontend.nic.NicLinkException;
import io.virtnet.runtime.ContextCalls;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
/**
 * One libvirt domain, seen through the libvirt Java binding: switches a NIC's link with a live
 * device update (what {@code virsh domif-setlink} does) and asks QEMU to announce through libvirt's
 * QEMU monitor passthrough ({@code virDomainQemuMonitorCommand}, libvirt has no announce API of its
 * own). libvirt calls block, so they run on a thread of this client's own, each bounded by a
 * timeout: a call that hangs (a stopped libvirtd) abandons that thread and its connection, and the
 * next probe opens a new one. A periodic probe follows libvirtd and the domain; each time the domain
 * is found running after it was not (libvirtd back, the domain started again, a new domain ID) the
 * listeners hear {@code connected}, so the driver re-applies the current link at once.
 */
public final class LibvirtDomainClient {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtDomainClient.class);
  /** Hears when the domain becomes reachable and running, and when it stops being so. */
  public interface ConnectionListener {
    void connected(LibvirtDomainClient client);

    void disconnected(LibvirtDomainClient client, String reason);
  }

  /** Where the domain is and how patient to be with libvirt. */
  public record Options(String uri, String domain, Duration callTimeout, Duration probeInterval) {
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(500);

    public Options {
      Objects.requireNonNull(uri, "uri");
      Objects.requireNonNull(domain, "domain");
      callTimeout = callTimeout == null ? DEFAULT_CALL_TIMEOUT : callTimeout;
      probeInterval = probeInterval == null ? DEFAULT_PROBE_INTERVAL : probeInterval;
    }

    public Options(String uri, String domain) {
      this(uri, domain, null, null);
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final Options options;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile LibvirtWorker worker;
  private volatile boolean connected;
  private volatile String domainState = "unknown";
  private volatile int domainId = -1;
  private volatile String lastError;
  private boolean probing;
  private long probeTimer = -1;
  private volatile boolean closed;

  private LibvirtDomainClient(Vertx vertx, Options options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.worker = new LibvirtWorker(options.uri(), options.domain());
  }

  public static LibvirtDomainClient create(Vertx vertx, Options options) {
    return new LibvirtDomainClient(vertx, options);
  }

  /** Starts probing; completes after the first probe, whatever it found (libvirt may come later). */
  public Future<Void> start() {
    return ContextCalls.call(context, () -> {
      probeTimer = vertx.setPeriodic(options.probeInterval().toMillis(), id -> probe());
      return probeNow();
    });
  }

  /** Adds a listener (told at once if the domain is running); the returned action removes it. */
  public Runnable addConnectionListener(ConnectionListener listener) {
    listeners.add(listener);
    context.runOnContext(v -> {
      if (connected && listeners.contains(listener)) {
        listener.connected(this);
      }
    });
    return () -> listeners.remove(listener);
  }

  /** Sets the link of the NIC with this MAC address or target device, on the running domain only. */
  public Future<Void> setLink(String iface, boolean up) {
    return call("set link of " + iface, w -> {
      w.setLink(iface, up);
      return null;
    });
  }

  /** Asks QEMU (through libvirt) to announce the domain's NICs: RARPs, and GUEST_ANNOUNCE to the guest. */
  public Future<Void> announceSelf() {
    return call("announce-self", w -> {
      w.announce();
      return null;
    });
  }

  /** True while libvirtd answers and the domain runs: link updates can be applied now. */
  public boolean connected() {
    return connected;
  }

  /** The domain's state as libvirt last reported it ("running", "shutoff", …), "undefined" or "unknown". */
  public String domainState() {
    return domainState;
  }

  public String lastError() {
    return lastError;
  }

  /** "uri domain", for log lines and errors. */
  public String address() {
    return options.uri() + " " + options.domain();
  }

  public Future<Void> close() {
    closed = true;
    return ContextCalls.call(context, () -> {
      if (probeTimer != -1) {
        vertx.cancelTimer(probeTimer);
      }
      worker.shutdown();
      connected = false;
      return Future.succeededFuture();
    });
  }

  private interface WorkerCall<T> {
    T apply(LibvirtWorker worker) throws Exception;
  }

  private <T> Future<T> call(String what, WorkerCall<T> action) {
    if (closed) {
      return Future.failedFuture(new NicLinkException(NicLinkException.Reason.CLOSED, "libvirt client for " + address() + " is closed"));
    }
    LibvirtWorker w = worker;
    return this.<T>onWorker(w, () -> action.apply(w)).recover(e -> {
      lastError = what + ": " + message(e);
      if (LibvirtWorker.connectionLost(e) || e instanceof TimeoutException) {
        lost(w, lastError, e instanceof TimeoutException);
      }
      NicLinkException.Reason reason = e instanceof TimeoutException ? NicLinkException.Reason.TIMEOUT
          : LibvirtWorker.connectionLost(e) ? NicLinkException.Reason.NOT_CONNECTED : NicLinkException.Reason.ERROR_REPLY;
      return Future.failedFuture(new NicLinkException(reason, address() + ": " + lastError));
    });
  }

  private void probe() {
    if (!probing && !closed) {
      probeNow();
    }
  }

  private Future<Void> probeNow() {
    probing = true;
    LibvirtWorker w = worker;
    return onWorker(w, w::probe).recover(e -> {
      lost(w, "libvirt probe: " + message(e), e instanceof TimeoutException);
      return Future.succeededFuture(new LibvirtWorker.Probe("unknown", -1, message(e)));
    }).map(p -> {
      probing = false;
      observe(p);
      return null;
    });
  }

  /** Runs on this client's context: turns a probe into connected / disconnected transitions. */
  private void observe(LibvirtWorker.Probe p) {
    domainState = p.state();
    if (p.error() != null) {
      lastError = p.error();
    }
    boolean running = p.id() >= 0;
    if (running && (!connected || p.id() != domainId)) {
      boolean restarted = connected;
      connected = true;
      domainId = p.id();
      LOG.info("libvirt {}: domain {} (id {})", address(), restarted ? "restarted" : "running", p.id());
      listeners.forEach(l -> l.connected(this));
    } else if (!running && connected) {
      connected = false;
      String reason = p.error() != null ? p.error() : "domain " + p.state();
      LOG.warn("libvirt {}: {}", address(), reason);
      listeners.forEach(l -> l.disconnected(this, reason));
    }
  }

  /** A call failed in a way that says the connection is gone: forget it; a hung worker is replaced. */
  private void lost(LibvirtWorker w, String reason, boolean hung) {
    context.runOnContext(v -> {
      if (worker == w && hung) {
        LOG.warn("libvirt {}: {}; abandoning that connection", address(), reason);
        worker = new LibvirtWorker(options.uri(), options.domain());
        w.abandon();
      } else {
        w.reconnectLater();
      }
      if (connected) {
        connected = false;
        listeners.forEach(l -> l.disconnected(this, reason));
      }
    });
  }

  private <T> Future<T> onWorker(LibvirtWorker w, Callable<T> action) {
    long ms = options.callTimeout().toMillis();
    return Future.fromCompletionStage(w.submit(action), context).timeout(ms, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof TimeoutException || e.getCause() instanceof TimeoutException
            ? new TimeoutException("libvirt call timed out after " + ms + " ms") : e));
  }

  private static String message(Throwable e) {
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
