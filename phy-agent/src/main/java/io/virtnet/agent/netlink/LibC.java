package io.virtnet.agent.netlink;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The few libc calls the rtnetlink socket needs, bound by JNA direct mapping. {@code size_t} and
 * {@code ssize_t} are mapped to {@code long}, which holds on the LP64 Linux targets we run on.
 */
final class LibC {
  static final int AF_NETLINK = 16;
  static final int SOCK_RAW = 3;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int NETLINK_ROUTE = 0;
  static final int SOL_SOCKET = 1;
  static final int SO_RCVBUF = 8;
  static final int SO_RCVBUFFORCE = 33;
  static final int SOL_NETLINK = 270;
  static final int MSG_DONTWAIT = 0x40;
  static final int MSG_TRUNC = 0x20;
  static final short POLLIN = 0x1;
  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 0x80000;
  static final int CLONE_NEWNET = 0x40000000;

  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int ENOBUFS = 105;

  static {
    Native.register(Platform.C_LIBRARY_NAME);
  }

  private LibC() {}

  static native int socket(int domain, int type, int protocol) throws LastErrorException;

  static native int bind(int fd, byte[] addr, int addrlen) throws LastErrorException;

  static native int setsockopt(int fd, int level, int optname, int[] optval, int optlen)
      throws LastErrorException;

  static native int getsockopt(int fd, int level, int optname, int[] optval, int[] optlen)
      throws LastErrorException;

  static native long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

  static native long recv(int fd, Pointer buf, long len, int flags) throws LastErrorException;

  static native int poll(Pointer fds, long nfds, int timeoutMs) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native int open(String path, int flags) throws LastErrorException;

  static native int setns(int fd, int nstype) throws LastErrorException;
}
