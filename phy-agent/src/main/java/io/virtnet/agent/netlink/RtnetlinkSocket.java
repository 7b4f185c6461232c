package io.virtnet.agent.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * A NETLINK_ROUTE socket subscribed to RTMGRP_LINK. Not thread-safe: one thread receives, and
 * {@link #close()} is called by that thread or after it has stopped.
 */
public final class RtnetlinkSocket implements AutoCloseable {
  /** Receive queue size asked for: enough for a burst of link messages before ENOBUFS. */
  public static final int DEFAULT_RCVBUF = 1 << 20;

  static final int RTMGRP_LINK = 1;
  static final int RTM_GETLINK = 18;
  static final int NLM_F_REQUEST = 0x1;
  static final int NLM_F_DUMP = 0x300;
  private static final int RECV_BUF = 64 * 1024;

  /** The kernel dropped multicast messages for this socket (recv failed with ENOBUFS). */
  public static final class OverrunException extends IOException {
    public OverrunException() {
      super("netlink receive queue overrun (ENOBUFS): link messages were lost");
    }
  }

  private final int fd;
  private final Memory buf = new Memory(RECV_BUF);
  private final Memory pollfd = new Memory(8);
  private final AtomicBoolean closed = new AtomicBoolean();
  private int seq;

  private RtnetlinkSocket(int fd) {
    this.fd = fd;
  }

  /** Opens a socket in the caller's network namespace, or in {@code netns} (a /var/run/netns file). */
  public static RtnetlinkSocket open(Optional<Path> netns) throws IOException {
    return open(netns, DEFAULT_RCVBUF);
  }

  /** As {@link #open(Optional)} with a chosen receive queue size (small values provoke ENOBUFS in tests). */
  public static RtnetlinkSocket open(Optional<Path> netns, int rcvbufBytes) throws IOException {
    int fd = netns.isPresent() ? socketInNetns(netns.get()) : newSocket();
    try {
      setRcvbuf(fd, rcvbufBytes);
      ByteBuffer addr = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
      addr.putShort((short) LibC.AF_NETLINK).putShort((short) 0).putInt(0).putInt(RTMGRP_LINK);
      LibC.bind(fd, addr.array(), 12);
    } catch (LastErrorException e) {
      closeQuietly(fd);
      throw new IOException("cannot bind rtnetlink socket to RTMGRP_LINK: errno " + e.getErrorCode(), e);
    }
    return new RtnetlinkSocket(fd);
  }

  private static int newSocket() throws IOException {
    try {
      return LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
    } catch (LastErrorException e) {
      throw new IOException("cannot create NETLINK_ROUTE socket: errno " + e.getErrorCode(), e);
    }
  }

  /**
   * setns(2) changes only the calling thread's namespace, and a socket keeps the namespace it was
   * created in ({@code sock_net}); so a throw-away thread enters the namespace and creates it.
   */
  private static int socketInNetns(Path netns) throws IOException {
    CompletableFuture<Integer> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        int nsfd = LibC.open(netns.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        try {
          LibC.setns(nsfd, LibC.CLONE_NEWNET);
        } finally {
          closeQuietly(nsfd);
        }
        result.complete(newSocket());
      } catch (LastErrorException e) {
        result.completeExceptionally(new IOException(
            "cannot enter network namespace " + netns + ": errno " + e.getErrorCode(), e));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "vnet-netns-open");
    t.setDaemon(true);
    t.start();
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening socket in " + netns, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot open socket in " + netns, e.getCause());
    }
  }

  private static void setRcvbuf(int fd, int bytes) {
    int[] v = {bytes};
    try {
      // SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN; fall back quietly.
      LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, v, 4);
    } catch (LastErrorException e) {
      try {
        LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, v, 4);
      } catch (LastErrorException ignored) {
        // The default queue still works; ENOBUFS recovery covers the difference.
      }
    }
  }

  /** The receive queue size the kernel granted (it doubles the requested value, as sock_setsockopt). */
  public int receiveBufferSize() throws IOException {
    int[] v = new int[1];
    try {
      LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, v, new int[] {4});
    } catch (LastErrorException e) {
      throw new IOException("getsockopt(SO_RCVBUF): errno " + e.getErrorCode(), e);
    }
    return v[0];
  }

  /** Sends RTM_GETLINK with NLM_F_DUMP; the replies arrive through {@link #receive(int)} until {@code done}. */
  public void requestDump() throws IOException {
    ensureOpen();
    ByteBuffer req = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
    req.putInt(32).putShort((short) RTM_GETLINK).putShort((short) (NLM_F_REQUEST | NLM_F_DUMP))
        .putInt(++seq).putInt(0);
    // ifinfomsg: family AF_UNSPEC, everything else zero (no filter).
    req.put(new byte[16]);
    try {
      LibC.send(fd, req.array(), 32, 0);
    } catch (LastErrorException e) {
      throw new IOException("cannot send RTM_GETLINK dump request: errno " + e.getErrorCode(), e);
    }
  }

  /**
   * Requests a dump and reads until NLMSG_DONE. Notifications interleaved with the dump parts are
   * kept in arrival order: each is newer than what precedes it for the same ifindex.
   *
   * @param pollMs the longest single wait, so that {@code running} is checked that often
   * @param malformed receives the number of malformed messages skipped in each datagram
   */
  public List<LinkMessage> dump(Duration timeout, int pollMs, BooleanSupplier running, LongConsumer malformed)
      throws IOException {
    requestDump();
    List<LinkMessage> msgs = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (!running.getAsBoolean()) {
        throw new IOException("netlink source stopped during a dump");
      }
      if (leftMs <= 0) {
        throw new IOException("no NLMSG_DONE within " + timeout.toMillis() + " ms");
      }
      LinkBatch b = receive((int) Math.min(leftMs, pollMs));
      malformed.accept(b.malformed());
      if (b.error() != 0) {
        throw new IOException("RTM_GETLINK dump failed: errno " + b.error());
      }
      msgs.addAll(b.links());
      if (b.done()) {
        return msgs;
      }
    }
  }

  /**
   * Waits up to {@code timeoutMs} for one datagram and parses it; returns {@link LinkBatch#EMPTY} on
   * timeout. Throws {@link OverrunException} when the kernel reports ENOBUFS.
   */
  public LinkBatch receive(int timeoutMs) throws IOException {
    ensureOpen();
    pollfd.setInt(0, fd);
    pollfd.setShort(4, LibC.POLLIN);
    pollfd.setShort(6, (short) 0);
    try {
      if (LibC.poll(pollfd, 1, timeoutMs) == 0) {
        return LinkBatch.EMPTY;
      }
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LibC.EINTR) {
        return LinkBatch.EMPTY;
      }
      throw new IOException("poll on rtnetlink socket failed: errno " + e.getErrorCode(), e);
    }
    long n;
    try {
      // MSG_TRUNC makes recv return the real datagram length, so a cut datagram is detected.
      n = LibC.recv(fd, buf, RECV_BUF, LibC.MSG_DONTWAIT | LibC.MSG_TRUNC);
    } catch (LastErrorException e) {
      return switch (e.getErrorCode()) {
        case LibC.ENOBUFS -> throw new OverrunException();
        case LibC.EAGAIN, LibC.EINTR -> LinkBatch.EMPTY;
        default -> throw new IOException("recv on rtnetlink socket failed: errno " + e.getErrorCode(), e);
      };
    }
    if (n > RECV_BUF) {
      throw new IOException("netlink datagram of " + n + " bytes exceeds the " + RECV_BUF + "-byte buffer");
    }
    return LinkBatch.parse(buf.getByteBuffer(0, n));
  }

  private void ensureOpen() throws IOException {
    if (closed.get()) {
      throw new IOException("rtnetlink socket is closed");
    }
  }

  public boolean isOpen() {
    return !closed.get();
  }

  /** Closes the socket; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(fd);
    }
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException ignored) {
      // close(2) releases the descriptor even when it reports an error.
    }
  }
}
