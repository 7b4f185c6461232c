package io.virtnet.agent.netlink;

import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches links through rtnetlink on a daemon thread ({@code vnet-netlink-reader}) and hands every
 * batch of NETDEV events to a sink, in order. After ENOBUFS or a socket error it reopens the
 * socket, re-dumps and diffs, so no change is silently lost.
 */
public final class NetlinkLinkSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetlinkLinkSource.class);

  static final String THREAD_NAME = "vnet-netlink-reader";
  private static final int POLL_MS = 200;
  private static final int INITIAL_ATTEMPTS = 5;
  private static final long BACKOFF_MIN_MS = 100;
  private static final long BACKOFF_MAX_MS = 5_000;
  private static final long JOIN_MS = 5_000;

  private final LinkTracker tracker;
  private final Optional<Path> netns;
  private final int rcvbuf;
  private final Duration dumpTimeout;
  private final Consumer<List<NetdevEvent>> sink;
  private final CountDownLatch stopLatch = new CountDownLatch(1);
  private final AtomicLong overruns = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();

  private volatile boolean running;
  private volatile RtnetlinkSocket socket;
  private boolean started;
  private boolean stopped;
  private Thread thread;

  private NetlinkLinkSource(Builder b) {
    this.netns = Optional.ofNullable(b.netns);
    SysfsReader sysfs = b.sysfs != null ? b.sysfs
        // /sys shows the namespace it was mounted in, not the one we watch.
        : netns.isPresent() ? SysfsReader.unknown() : SysfsReader.sysfs();
    LongSupplier seq = b.seq != null ? b.seq : new AtomicLong(b.clock.millis() * 1000)::incrementAndGet;
    this.tracker = new LinkTracker(b.agent, b.selection, seq, b.clock, sysfs);
    this.rcvbuf = b.receiveBufferBytes;
    this.dumpTimeout = b.dumpTimeout;
    this.sink = Objects.requireNonNull(b.sink, "sink");
  }

  /** A builder for an agent named {@code agent}. */
  public static Builder builder(String agent) {
    return new Builder(agent);
  }

  /** Options of a {@link NetlinkLinkSource}; only {@link #sink} is required. */
  public static final class Builder {
    private final String agent;
    private Predicate<String> selection = InterfaceSelection.all();
    private LongSupplier seq;
    private Clock clock = Clock.systemUTC();
    private SysfsReader sysfs;
    private Path netns;
    private int receiveBufferBytes = RtnetlinkSocket.DEFAULT_RCVBUF;
    private Duration dumpTimeout = Duration.ofSeconds(5);
    private Consumer<List<NetdevEvent>> sink;

    private Builder(String agent) {
      this.agent = agent;
    }

    /** Interfaces to report (default {@link InterfaceSelection#all()}). */
    public Builder selection(Predicate<String> selection) {
      this.selection = Objects.requireNonNull(selection);
      return this;
    }

    /** Event sequence numbers (default: a counter from a microsecond time epoch). */
    public Builder seq(LongSupplier seq) {
      this.seq = Objects.requireNonNull(seq);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Speed/duplex lookup (default: /sys, or always unknown when watching another namespace). */
    public Builder sysfs(SysfsReader sysfs) {
      this.sysfs = Objects.requireNonNull(sysfs);
      return this;
    }

    /** Watch the network namespace behind this file (e.g. /var/run/netns/NAME) instead of our own. */
    public Builder netns(Path netns) {
      this.netns = netns;
      return this;
    }

    public Builder receiveBufferBytes(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("receiveBufferBytes must be >= 0, got " + bytes);
      }
      this.receiveBufferBytes = bytes;
      return this;
    }

    /** How long a dump may take before the attempt counts as failed (default 5 s). */
    public Builder dumpTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("dumpTimeout must be positive, got " + timeout);
      }
      this.dumpTimeout = timeout;
      return this;
    }

    /**
     * Receives each batch of events, on the reader thread (the initial dump's batch on the thread
     * calling {@link NetlinkLinkSource#start()}); hop to your own context and return quickly.
     */
    public Builder sink(Consumer<List<NetdevEvent>> sink) {
      this.sink = Objects.requireNonNull(sink);
      return this;
    }

    public NetlinkLinkSource build() {
      return new NetlinkLinkSource(this);
    }
  }

  /**
   * Opens the socket, takes the initial dump, delivers its REGISTER/UP events and starts the reader
   * thread. Blocking: call it off the event loop. Throws when no dump could be taken.
   */
  public synchronized void start() throws IOException {
    if (started || stopped) {
      throw new IllegalStateException(stopped ? "netlink source was stopped" : "netlink source already started");
    }
    started = true;
    running = true;
    List<NetdevEvent> initial = null;
    IOException last = null;
    for (int i = 0; i < INITIAL_ATTEMPTS && initial == null; i++) {
      try {
        socket = RtnetlinkSocket.open(netns, rcvbuf);
        initial = dumpAndDiff(socket);
      } catch (RtnetlinkSocket.OverrunException e) {
        overruns.incrementAndGet();
        last = e;
        closeSocket();
      } catch (IOException e) {
        last = e;
        closeSocket();
        break;
      }
    }
    if (initial == null) {
      running = false;
      throw new IOException("netlink link source could not take the initial link dump"
          + netns.map(p -> " in " + p).orElse("") + ": " + last.getMessage(), last);
    }
    deliver(initial);
    thread = new Thread(this::run, THREAD_NAME);
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the reader thread, waits for it and closes the socket; later calls do nothing. */
  public void stop() {
    Thread t;
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      running = false;
      stopLatch.countDown();
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(JOIN_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        // Still inside the sink: it closes the socket itself on the way out.
        LOG.warn("{} did not stop within {} ms", THREAD_NAME, JOIN_MS);
        return;
      }
    }
    if (t == null || t != Thread.currentThread()) {
      closeSocket();
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The current state of every reported device, for republishing retained state. */
  public List<NetdevState> snapshot() {
    synchronized (tracker) {
      return tracker.snapshot();
    }
  }

  /** How many times the kernel reported ENOBUFS. */
  public long overruns() {
    return overruns.get();
  }

  /** How many times the socket was reopened and re-dumped after the initial dump. */
  public long resyncs() {
    return resyncs.get();
  }

  /** Netlink messages skipped as malformed. */
  public long malformed() {
    return malformed.get();
  }

  private void run() {
    try {
      while (running) {
        try {
          LinkBatch b = socket.receive(POLL_MS);
          malformed.addAndGet(b.malformed());
          if (!b.links().isEmpty()) {
            List<NetdevEvent> events = new ArrayList<>();
            synchronized (tracker) {
              for (LinkMessage m : b.links()) {
                events.addAll(tracker.apply(m));
              }
            }
            deliver(events);
          }
        } catch (RtnetlinkSocket.OverrunException e) {
          overruns.incrementAndGet();
          LOG.warn("rtnetlink overrun (ENOBUFS); reopening and re-dumping links");
          resync(0);
        } catch (IOException e) {
          if (!running) {
            break;
          }
          LOG.warn("rtnetlink socket failed ({}); reopening and re-dumping links", e.getMessage());
          resync(BACKOFF_MIN_MS);
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.error("{} died", THREAD_NAME, e);
      throw e;
    } finally {
      closeSocket();
    }
  }

  /** Reopens the socket and diffs a fresh dump, retrying with a doubling backoff until stopped. */
  private void resync(long firstBackoffMs) {
    long backoff = firstBackoffMs;
    while (running) {
      if (backoff > 0 && awaitStop(backoff)) {
        return;
      }
      closeSocket();
      try {
        socket = RtnetlinkSocket.open(netns, rcvbuf);
        List<NetdevEvent> events = dumpAndDiff(socket);
        resyncs.incrementAndGet();
        deliver(events);
        return;
      } catch (IOException e) {
        if (e instanceof RtnetlinkSocket.OverrunException) {
          overruns.incrementAndGet();
        }
        if (!running) {
          return;
        }
        LOG.warn("rtnetlink re-dump failed ({}); retrying", e.getMessage());
        backoff = Math.min(Math.max(backoff * 2, BACKOFF_MIN_MS), BACKOFF_MAX_MS);
      }
    }
  }

  /** Takes a dump and diffs it against what the tracker knew. */
  private List<NetdevEvent> dumpAndDiff(RtnetlinkSocket s) throws IOException {
    List<LinkMessage> msgs = s.dump(dumpTimeout, POLL_MS, () -> running, malformed::addAndGet);
    synchronized (tracker) {
      return tracker.applyDump(msgs);
    }
  }

  private void deliver(List<NetdevEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    try {
      sink.accept(List.copyOf(events));
    } catch (RuntimeException e) {
      LOG.error("netdev event sink failed on {} events", events.size(), e);
    }
  }

  private boolean awaitStop(long ms) {
    try {
      return stopLatch.await(ms, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void closeSocket() {
    RtnetlinkSocket s = socket;
    if (s != null) {
      s.close();
    }
  }
}
