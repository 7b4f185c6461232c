package io.virtnet.frontend.libvirt;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtnet.runtime.ContextCalls;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import io.virtnet.frontend.nic.NicLinkException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;
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
  /** VIR_DOMAIN_AFFECT_LIVE: the binding (0.5.2) has no constant for it. */
  static final int AFFECT_LIVE = 1;
  /** QEMU's own announce timings, as the QMP driver uses: 50 ms initial, 3 rounds, +100 ms, max 550 ms. */
  static final String ANNOUNCE_SELF =
      "{\"execute\":\"announce-self\",\"arguments\":{\"initial\":50,\"max\":550,\"rounds\":3,\"step\":100}}";
  private static final AtomicInteger THREADS = new AtomicInteger();
  /**
   * libvirt prints every error to stderr unless a callback is set ("libvirt: QEMU Driver error : …",
   * twice a second while a domain is undefined); errors reach us as exceptions and are logged once per
   * state change, so the callback drops them. Held here so JNA's callback is never collected.
   */
  private static final Libvirt.VirErrorCallback QUIET = (userData, error) -> { };

  static {
    try {
      Connect.setErrorCallback(QUIET);
    } catch (LibvirtException | LinkageError e) {
      LOG.debug("libvirt error callback not set: {}", e.getMessage());
    }
  }

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

  /** A thread and the libvirt connection only it uses; replaced as a whole when a call hangs. */
  private static final class Worker {
    final ExecutorService executor;
    Connect connect;
    /** The domain's handle and its XML, kept between calls: a link update is then one RPC, not three. */
    Domain domain;
    String domainXml;
    int domainId = -1;

    Worker(String domain) {
      executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "libvirt-" + domain + "-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
  }

  private record Probe(String state, int id, String error) {}

  private final Vertx vertx;
  private final Context context;
  private final Options options;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Worker worker;
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
    this.worker = new Worker(options.domain());
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
      try {
        updateLink(w, iface, up);
      } catch (LibvirtException | InterfaceXml.InterfaceNotFoundException e) {
        if (connectionLost(e)) {
          throw e;
        }
        // the kept handle or XML may be stale (the domain re-created, its NICs changed): once more, fresh
        forgetDomain(w);
        updateLink(w, iface, up);
      }
      return null;
    });
  }

  /** Asks QEMU (through libvirt) to announce the domain's NICs: RARPs, and GUEST_ANNOUNCE to the guest. */
  public Future<Void> announceSelf() {
    return call("announce-self", w -> {
      domain(w).qemuMonitorCommand(ANNOUNCE_SELF, 0);
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
      Worker w = worker;
      w.executor.execute(() -> closeConnect(w));
      w.executor.shutdown();
      connected = false;
      return Future.succeededFuture();
    });
  }

  private interface WorkerCall<T> {
    T apply(Worker worker) throws Exception;
  }

  /** On the worker: the live interface update, from the kept domain XML. */
  private void updateLink(Worker w, String iface, boolean up) throws LibvirtException, InterfaceXml.InterfaceNotFoundException {
    Domain d = domain(w);
    if (w.domainXml == null) {
      w.domainXml = d.getXMLDesc(0);
    }
    d.updateDeviceFlags(InterfaceXml.withLinkState(w.domainXml, iface, up), AFFECT_LIVE);
  }

  private static void forgetDomain(Worker w) {
    w.domain = null;
    w.domainXml = null;
    w.domainId = -1;
  }

  private <T> Future<T> call(String what, WorkerCall<T> action) {
    if (closed) {
      return Future.failedFuture(new NicLinkException(NicLinkException.Reason.CLOSED, "libvirt client for " + address() + " is closed"));
    }
    Worker w = worker;
    return this.<T>onWorker(w, () -> action.apply(w)).recover(e -> {
      lastError = what + ": " + message(e);
      if (connectionLost(e) || e instanceof TimeoutException) {
        lost(w, lastError, e instanceof TimeoutException);
      }
      NicLinkException.Reason reason = e instanceof TimeoutException ? NicLinkException.Reason.TIMEOUT
          : connectionLost(e) ? NicLinkException.Reason.NOT_CONNECTED : NicLinkException.Reason.ERROR_REPLY;
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
    Worker w = worker;
    return onWorker(w, () -> {
      try {
        // a fresh lookup: a destroyed and re-created domain is a new handle with a new ID
        Domain d = connect(w).domainLookupByName(options.domain());
        int active = d.isActive();
        DomainInfo info = d.getInfo();
        String state = info.state.name().replace("VIR_DOMAIN_", "").toLowerCase(java.util.Locale.ROOT);
        int id = active == 1 ? d.getID() : -1;
        if (id != w.domainId) {
          w.domain = d;
          w.domainXml = null;
          w.domainId = id;
        }
        return new Probe(state, id, null);
      } catch (LibvirtException e) {
        if (connectionLost(e)) {
          closeConnect(w);
          return new Probe("unknown", -1, message(e));
        }
        boolean undefined = e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
        return new Probe(undefined ? "undefined" : "unknown", -1, message(e));
      }
    }).recover(e -> {
      lost(w, "libvirt probe: " + message(e), e instanceof TimeoutException);
      return Future.succeededFuture(new Probe("unknown", -1, message(e)));
    }).map(p -> {
      probing = false;
      observe(p);
      return null;
    });
  }

  /** Runs on this client's context: turns a probe into connected / disconnected transitions. */
  private void observe(Probe p) {
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
  private void lost(Worker w, String reason, boolean hung) {
    context.runOnContext(v -> {
      if (worker == w && hung) {
        LOG.warn("libvirt {}: {}; abandoning that connection", address(), reason);
        worker = new Worker(options.domain());
        w.executor.shutdownNow();
      } else if (!w.executor.isShutdown()) {
        // an abandoned worker is shut down: its connection goes with its stuck thread
        w.executor.execute(() -> closeConnect(w));
      }
      if (connected) {
        connected = false;
        listeners.forEach(l -> l.disconnected(this, reason));
      }
    });
  }

  private <T> Future<T> onWorker(Worker w, Callable<T> action) {
    CompletableFuture<T> cf = new CompletableFuture<>();
    try {
      w.executor.execute(() -> {
        try {
          cf.complete(action.call());
        } catch (Throwable t) {
          cf.completeExceptionally(t);
        }
      });
    } catch (RuntimeException rejected) {
      cf.completeExceptionally(rejected);
    }
    long ms = options.callTimeout().toMillis();
    return Future.fromCompletionStage(cf, context).timeout(ms, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(e instanceof TimeoutException || e.getCause() instanceof TimeoutException
            ? new TimeoutException("libvirt call timed out after " + ms + " ms") : e));
  }

  /** On the worker: the kept domain handle, looked up (and the connection opened) if needed. */
  private Domain domain(Worker w) throws LibvirtException {
    if (w.domain == null) {
      w.domain = connect(w).domainLookupByName(options.domain());
    }
    return w.domain;
  }

  /** On the worker: this worker's connection, opened if needed. */
  private Connect connect(Worker w) throws LibvirtException {
    if (w.connect == null) {
      forgetDomain(w);
      w.connect = new Connect(options.uri());
    }
    return w.connect;
  }

  /** Errors that say the connection to libvirtd is gone (daemon stopped or restarted), not the domain. */
  private static boolean connectionLost(Throwable e) {
    if (!(e instanceof LibvirtException le) || le.getError() == null) {
      return false;
    }
    return switch (le.getError().getCode()) {
      case VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INTERNAL_ERROR, VIR_ERR_AUTH_FAILED -> true;
      default -> false;
    };
  }

  private static void closeConnect(Worker w) {
    Connect c = w.connect;
    w.connect = null;
    forgetDomain(w);
    if (c != null) {
      try {
        c.close();
      } catch (LibvirtException | RuntimeException e) {
        LOG.debug("libvirt close: {}", e.getMessage());
      }
    }
  }

  private static String message(Throwable e) {
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
