package io.virtnet.frontend.libvirt;

import io.virtnet.frontend.qemu.GuestImage;
import io.virtnet.frontend.qemu.GuestSerial;
import io.virtnet.frontend.qemu.GuestTests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * The {@link GuestImage} as a transient libvirt domain (TCG, one virtio NIC on user networking,
 * serial console to a file per boot), created and destroyed through the libvirt Java binding, with
 * its console's {@code CARRIER} lines tailed by {@link GuestSerial}. The image and logs live in a
 * folder under /tmp that libvirt's QEMU user can read (libvirt chowns kernel and initrd while the
 * domain runs).
 */
public final class LibvirtVm implements AutoCloseable, GuestTests.CarrierGuest {
  private final String name;
  private final String mac;
  private final Path dir;
  private final Path kernel;
  private final Path initrd;
  private final GuestSerial serial = new GuestSerial();
  private final List<Long> startedAt = new ArrayList<>();
  private int boot;

  /** A domain {@code name} with one NIC of address {@code mac}; copies the image into its own folder. */
  public LibvirtVm(GuestImage image, String name, String mac) throws IOException {
    this.name = name;
    this.mac = mac;
    this.dir = Files.createTempDirectory(Path.of("/tmp"), "vnet-libvirt-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    this.kernel = copy(image.kernel());
    this.initrd = copy(image.initrd());
  }

  public String name() {
    return name;
  }

  public String mac() {
    return mac;
  }

  /** Creates (boots) the domain: a new boot number and serial log; returns at once. */
  public synchronized void start() throws IOException {
    boot++;
    Path log = dir.resolve("serial-" + boot + ".log");
    Files.deleteIfExists(log);
    String xml = """
        <domain type='qemu'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
         <os><type arch='x86_64' machine='pc'>hvm</type>
          <kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
         <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
         <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='usb' model='none'/>
          <interface type='user'><mac address='%s'/><model type='virtio'/><rom enabled='no'/></interface>
          <serial type='file'><source path='%s'/><target port='0'/></serial>
          <memballoon model='none'/></devices></domain>""".formatted(name, kernel, initrd, GuestImage.CMDLINE, mac, log);
    startedAt.add(System.nanoTime());
    try {
      Connect c = new Connect(LibvirtHost.URI);
      try {
        c.domainCreateXML(xml, 0);
      } finally {
        c.close();
      }
    } catch (LibvirtException e) {
      throw new IOException("libvirt could not create " + name + ": " + e.getMessage(), e);
    }
    serial.tail(log, boot);
  }

  /** {@code virsh destroy}: the domain is gone (a transient domain is then undefined too). */
  public synchronized void destroy() throws IOException {
    try {
      Connect c = new Connect(LibvirtHost.URI);
      try {
        Domain d = c.domainLookupByName(name);
        d.destroy();
      } finally {
        c.close();
      }
    } catch (LibvirtException e) {
      throw new IOException("libvirt could not destroy " + name + ": " + e.getMessage(), e);
    }
    serial.stop();
  }

  /** Waits for the current boot's GUEST READY; the boot time in nanoseconds. */
  public long awaitReady(Duration timeout) throws IOException {
    int b = boot;
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(5)).until(() -> serial.readyCount() >= b);
    } catch (ConditionTimeoutException e) {
      throw new IOException("guest not ready within " + timeout + "; serial: " + serialText());
    }
    return serial.readyAt(b) - startedAt.get(b - 1);
  }

  @Override
  public GuestSerial console() {
    return serial;
  }

  public int boot() {
    return boot;
  }

  /** Destroys the domain if it runs; never throws. */
  @Override
  public void close() {
    try {
      destroy();
    } catch (IOException e) {
      serial.stop();
    }
  }

  private Path copy(Path file) throws IOException {
    Path to = dir.resolve(file.getFileName());
    Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    return to;
  }
}
