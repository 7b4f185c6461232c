package io.virtnet.frontend.libvirt;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.jna.Libvirt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread and the libvirt connection only it uses, with the blocking libvirt calls the client makes.
 * Every method but {@link #submit} runs on that thread. The domain's handle and XML are kept between
 * calls, so a link update is one libvirt call, not three. When a call hangs, the client abandons the
 * whole worker (its thread stays stuck in libvirt) and starts a new one.
 */
final class LibvirtWorker {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtWorker.class);
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

  /** What a probe found: the domain's state, its ID (-1 unless running), and the error if any. */
  record Probe(String state, int id, String error) {}

  private final String uri;
  private final String domainName;
  private final ExecutorService executor;
  private Connect connect;
  private Domain domain;
  private String domainXml;
  private int domainId = -1;

  LibvirtWorker(String uri, String domainName) {
    this.uri = uri;
    this.domainName = domainName;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "libvirt-" + domainName + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code action} on this worker's thread (fails at once if the worker was shut down). */
  <T> CompletableFuture<T> submit(Callable<T> action) {
    CompletableFuture<T> cf = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          cf.complete(action.call());
        } catch (Throwable t) {
          cf.completeExceptionally(t);
        }
      });
    } catch (RuntimeException rejected) {
      cf.completeExceptionally(rejected);
    }
    return cf;
  }

  /** Closes the connection on the worker's thread, then lets the thread end. */
  void shutdown() {
    if (!executor.isShutdown()) {
      executor.execute(this::closeConnect);
      executor.shutdown();
    }
  }

  /** Gives up on a worker stuck in a call: its connection goes with its thread. */
  void abandon() {
    executor.shutdownNow();
  }

  /** Closes the connection (the next call opens a new one), unless the worker was abandoned. */
  void reconnectLater() {
    if (!executor.isShutdown()) {
      executor.execute(this::closeConnect);
    }
  }

  /** Looks the domain up afresh (a destroyed and re-created domain is a new handle with a new ID). */
  Probe probe() {
    try {
      Domain d = connect().domainLookupByName(domainName);
      int active = d.isActive();
      DomainInfo info = d.getInfo();
      String state = info.state.name().replace("VIR_DOMAIN_", "").toLowerCase(Locale.ROOT);
      int id = active == 1 ? d.getID() : -1;
      if (id != domainId) {
        domain = d;
        domainXml = null;
        domainId = id;
      }
      return new Probe(state, id, null);
    } catch (LibvirtException e) {
      if (connectionLost(e)) {
        closeConnect();
        return new Probe("unknown", -1, e.getMessage());
      }
      boolean undefined = e.getError() != null && e.getError().getCode() == Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
      return new Probe(undefined ? "undefined" : "unknown", -1, e.getMessage());
    }
  }

  /** The live interface update; a stale handle or XML (domain re-created, NICs changed) is retried once fresh. */
  void setLink(String iface, boolean up) throws LibvirtException, InterfaceXml.InterfaceNotFoundException {
    try {
      updateLink(iface, up);
    } catch (LibvirtException | InterfaceXml.InterfaceNotFoundException e) {
      if (connectionLost(e)) {
        throw e;
      }
      forgetDomain();
      updateLink(iface, up);
    }
  }

  /** QEMU's {@code announce-self} through libvirt's monitor passthrough. */
  void announce() throws LibvirtException {
    domain().qemuMonitorCommand(ANNOUNCE_SELF, 0);
  }

  /** Errors that say the connection to libvirtd is gone (daemon stopped or restarted), not the domain. */
  static boolean connectionLost(Throwable e) {
    if (!(e instanceof LibvirtException le) || le.getError() == null) {
      return false;
    }
    return switch (le.getError().getCode()) {
      case VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INTERNAL_ERROR, VIR_ERR_AUTH_FAILED -> true;
      default -> false;
    };
  }

  private void updateLink(String iface, boolean up) throws LibvirtException, InterfaceXml.InterfaceNotFoundException {
    Domain d = domain();
    if (domainXml == null) {
      domainXml = d.getXMLDesc(0);
    }
    d.updateDeviceFlags(InterfaceXml.withLinkState(domainXml, iface, up), AFFECT_LIVE);
  }

  private Domain domain() throws LibvirtException {
    if (domain == null) {
      domain = connect().domainLookupByName(domainName);
    }
    return domain;
  }

  private Connect connect() throws LibvirtException {
    if (connect == null) {
      forgetDomain();
      connect = new Connect(uri);
    }
    return connect;
  }

  private void forgetDomain() {
    domain = null;
    domainXml = null;
    domainId = -1;
  }

  private void closeConnect() {
    Connect c = connect;
    connect = null;
    forgetDomain();
    if (c != null) {
      try {
        c.close();
      } catch (LibvirtException | RuntimeException e) {
        LOG.debug("libvirt close: {}", e.getMessage());
      }
    }
  }
}
