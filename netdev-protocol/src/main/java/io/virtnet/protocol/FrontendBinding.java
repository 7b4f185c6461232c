package io.virtnet.protocol;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Which driver an RTOS frontend probes for a device bound to a VM's NIC ({@code null} binding: the
 * reference virtio driver): {@code {"kind":"qemu","qmp":"unix:/path"|"tcp:host:port","device":"nic0"}}
 * or {@code {"kind":"libvirt","uri":"qemu:///system","domain":"vm1","interface":"52:54:00:12:34:56"}}.
 * The frontend connects to the binding's {@link #target()}; {@link #local()} says whether that is this
 * host, which is all an instance may name unless the target is listed as allowed (contract §6).
 */
public sealed interface FrontendBinding {
  /** The wire name of the kind ("qemu", "libvirt"), also the link view's {@code driver}. */
  String kind();

  /** Where the frontend connects: the QMP address or the libvirt URI. */
  String target();

  /** The NIC within the VM: the QEMU NIC id, or the libvirt interface's MAC or target device. */
  String nic();

  /** Whether {@link #target()} is on this host (a unix socket, loopback TCP, libvirt without a host). */
  boolean local();

  /** The binding's fields as on the wire, {@code kind} first. */
  Map<String, String> fields();

  /** The binding from its wire fields ({@code field} returns null for an absent one); refuses bad input. */
  static FrontendBinding of(Function<String, String> field) {
    String kind = field.apply("kind");
    if (Qemu.KIND.equals(kind)) {
      return new Qemu(field.apply("qmp"), field.apply("device"));
    }
    if (Libvirt.KIND.equals(kind)) {
      return new Libvirt(field.apply("uri"), field.apply("domain"), field.apply("interface"));
    }
    throw InvalidMessageException.of("unknown-value", "frontend kind must be 'qemu' or 'libvirt', got '"
        + Names.printable(kind) + "'");
  }

  /** A QEMU VM's NIC over QMP. */
  record Qemu(String qmp, String device) implements FrontendBinding {
    public static final String KIND = "qemu";
    private static final Pattern TCP = Pattern.compile("tcp:([^:]+):(\\d{1,5})");

    public Qemu {
      if (qmp == null || !(qmp.startsWith("unix:") && qmp.length() > 5 || TCP.matcher(qmp).matches())) {
        throw InvalidMessageException.of("out-of-range", "frontend qmp must be unix:PATH or tcp:HOST:PORT, got '"
            + Names.printable(qmp) + "'");
      }
      if (device == null || !device.matches("[A-Za-z][A-Za-z0-9._-]{0,63}")) {
        throw InvalidMessageException.of("invalid-name", "frontend device must be a QEMU id, got '" + Names.printable(device) + "'");
      }
    }

    @Override
    public String kind() {
      return KIND;
    }

    @Override
    public String target() {
      return qmp;
    }

    @Override
    public String nic() {
      return device;
    }

    @Override
    public boolean local() {
      if (qmp.startsWith("unix:")) {
        return true;
      }
      var m = TCP.matcher(qmp);
      return m.matches() && isLoopback(m.group(1));
    }

    @Override
    public Map<String, String> fields() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("kind", KIND);
      f.put("qmp", qmp);
      f.put("device", device);
      return f;
    }
  }

  /** A libvirt domain's NIC, by MAC address or target device, as {@code virsh domif-setlink} takes it. */
  record Libvirt(String uri, String domain, String iface) implements FrontendBinding {
    public static final String KIND = "libvirt";
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+:@-]{0,127}");

    public Libvirt {
      URI parsed = parseUri(uri);
      if (parsed.getScheme() == null || !parsed.getScheme().matches("qemu(\\+[a-z]+)?")) {
        throw InvalidMessageException.of("out-of-range", "frontend uri must be a libvirt QEMU URI such as qemu:///system, got '"
            + Names.printable(uri) + "'");
      }
      if (domain == null || !DOMAIN.matcher(domain).matches()) {
        throw InvalidMessageException.of("invalid-name", "frontend domain must be a libvirt domain name, got '"
            + Names.printable(domain) + "'");
      }
      if (iface == null || !(MAC.matcher(iface).matches() || Names.isValidIfname(iface))) {
        throw InvalidMessageException.of("invalid-name", "frontend interface must be the NIC's MAC address or target device "
            + "(virsh domiflist shows both), got '" + Names.printable(iface) + "'");
      }
    }

    @Override
    public String kind() {
      return KIND;
    }

    @Override
    public String target() {
      return uri;
    }

    @Override
    public String nic() {
      return iface;
    }

    /** No host in the URI, and no transport or the local socket: {@code qemu:///system}, {@code qemu+unix:///session}. */
    @Override
    public boolean local() {
      URI parsed = parseUri(uri);
      String scheme = parsed.getScheme();
      return (parsed.getHost() == null || parsed.getHost().isEmpty()) && parsed.getAuthority() == null
          && ("qemu".equals(scheme) || "qemu+unix".equals(scheme));
    }

    @Override
    public Map<String, String> fields() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("kind", KIND);
      f.put("uri", uri);
      f.put("domain", domain);
      f.put("interface", iface);
      return f;
    }

    private static URI parseUri(String uri) {
      if (uri == null || uri.length() > 512) {
        throw InvalidMessageException.of("out-of-range", "frontend uri must be a libvirt URI such as qemu:///system, got '"
            + Names.printable(uri) + "'");
      }
      try {
        return new URI(uri);
      } catch (URISyntaxException e) {
        throw InvalidMessageException.of("out-of-range", "frontend uri is not a URI: " + e.getMessage());
      }
    }
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
  }
}
