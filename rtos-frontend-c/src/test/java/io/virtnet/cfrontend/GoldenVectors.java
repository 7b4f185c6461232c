package io.virtnet.cfrontend;

import io.virtnet.cfrontend.CrossCheckTest.Vector;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.FrontendBinding;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * Golden vectors of the contract's inputs to an RTOS frontend: configs, IRQs in both forms, devices and
 * ctrl messages as the Java encoders write them, and hand-written edge cases of JSON, names, ranges,
 * instants and sizes where a second implementation could differ.
 */
final class GoldenVectors {
  private static final String CONFIG = "vnet/virtio/virtio-net7/config";
  private static final String DEVICE = "vnet/virtio/virtio-net7/device";
  private static final String CTRL = "vnet/virtio/virtio-net7/ctrl";
  private static final String IRQ = "vnet/rtos/7/irq";
  private static final Instant TS = Instant.parse("2026-01-01T00:00:00.123456789Z");
  private static final String SINGLE = "{\"irq\":47,\"instance\":\"virtio-net7\",\"isr\":2,\"generation\":7,"
      + "\"ts\":\"2026-01-01T00:00:00Z\"";

  private final List<Vector> out = new ArrayList<>();

  private GoldenVectors() {}

  static List<Vector> all() {
    GoldenVectors g = new GoldenVectors();
    g.configs();
    g.irqs();
    g.instants();
    g.json();
    g.devices();
    g.ctrl();
    g.topics();
    return g.out;
  }

  private void add(String topic, byte[] payload, String note) {
    out.add(new Vector(topic, payload, note));
  }

  private void add(String topic, String payload, String note) {
    add(topic, payload.getBytes(StandardCharsets.UTF_8), note);
  }

  private void configs() {
    byte[] mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    long[] generations = {0, 1, 7, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL};
    for (long gen : generations) {
      add(CONFIG, new VirtioNetConfig(mac, 3, 1, 1500, 1000, 1, 40, 128, 63).encodeWire(gen), "config gen " + gen);
    }
    add(CONFIG, new VirtioNetConfig(mac, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF_FFFFL, 0xFF, 0xFF, 0xFFFF, 0xFFFF_FFFFL)
        .encodeWire(5), "every field at its maximum");
    byte[] ok = new VirtioNetConfig(mac, 1, 1, 9000, 10000, 0, 0, 0, 0).encodeWire(9);
    for (int len : new int[] {0, 1, 4, 24, 27, 29, 36}) {
      add(CONFIG, Arrays.copyOf(ok, len), "config of " + len + " bytes");
    }
  }

  private void irqs() {
    add(IRQ, Codecs.IRQ.encode(new IrqMessage(47, "virtio-net7", 2, 7, TS, TS)), "list form, one entry");
    add(IRQ, Codecs.IRQ.encode(new IrqMessage(List.of(new Irq(47, "virtio-net7", 2, 0xFFFF_FFFFL, null),
        new Irq(48, "virtio-net8", 3, 0, Instant.parse("2026-12-04T19:00:00Z")), new Irq(65535, "a", 255, 1, TS)), TS)),
        "list form, three entries");
    List<Irq> many = new ArrayList<>();
    for (int i = 0; i < IrqMessage.MAX_IRQS; i++) {
      many.add(new Irq(i, "virtio-net" + i, 2, i, TS));
    }
    add(IRQ, Codecs.IRQ.encode(new IrqMessage(many, TS)), "list form, 256 entries");
    String entry = "{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":1}";
    add(IRQ, "{\"v\":1,\"irqs\":[" + (entry + ",").repeat(256) + entry + "],\"ts\":\"2026-01-01T00:00:00Z\"}", "257 entries");
    add(IRQ, "{\"v\":1,\"irqs\":[],\"ts\":\"2026-01-01T00:00:00Z\"}", "no entries");
    add(IRQ, "{\"irqs\":null," + SINGLE.substring(1) + "}", "irqs null beside a single form");
    add(IRQ, "{\"irqs\":{}," + SINGLE.substring(1) + "}", "irqs an object");
    add(IRQ, "{\"irqs\":[1],\"ts\":\"2026-01-01T00:00:00Z\"}", "an entry that is no object");
    add(IRQ, "{\"irqs\":[" + entry + "]}", "list form without ts");
    add(IRQ, "{\"irqs\":[{\"irq\":1,\"instance\":\"A\",\"isr\":2,\"generation\":1},{\"irq\":1}],\"ts\":\"x\"}",
        "a bad name before a missing field");
    add(IRQ, SINGLE + "}", "single form");
    add(IRQ, SINGLE + ",\"phyTs\":\"2026-01-01T00:00:00.5Z\",\"v\":1}", "single form with phyTs and v");
    add(IRQ, SINGLE.replace("\"ts\"", "\"tz\"") + "}", "single form without ts");
    add(IRQ, SINGLE.replace("virtio-net7", "Virtio") + ",\"ts\":null}", "bad name and null ts");
    add(IRQ, SINGLE.replace("7,\"ts\"", "4294967296,\"ts\"") + "}", "generation 2^32");
    add(IRQ, SINGLE.replace("7,\"ts\"", "-1,\"ts\"") + "}", "generation -1");
    add(IRQ, SINGLE.replace("7,\"ts\"", "7.0,\"ts\"") + "}", "generation 7.0");
    add(IRQ, SINGLE.replace("7,\"ts\"", "7e0,\"ts\"") + "}", "generation 7e0");
    add(IRQ, SINGLE.replace("7,\"ts\"", "99999999999999999999,\"ts\"") + "}", "generation past a long");
    add(IRQ, SINGLE.replace("7,\"ts\"", "-0,\"ts\"") + "}", "generation -0");
    add(IRQ, SINGLE.replace("\"irq\":47", "\"irq\":65536") + "}", "irq 65536");
    add(IRQ, SINGLE.replace("\"isr\":2", "\"isr\":256") + "}", "isr 256");
    add(IRQ, SINGLE.replace("\"isr\":2", "\"isr\":\"2\"") + "}", "isr a string");
    add(IRQ, SINGLE.replace("virtio-net7", "a".repeat(63)) + "}", "63-character name");
    add(IRQ, SINGLE.replace("virtio-net7", "a".repeat(64)) + "}", "64-character name");
    add(IRQ, SINGLE.replace("virtio-net7", "virtio\\u002dnet7") + "}", "escaped name");
    add(IRQ, SINGLE.replace("\"instance\"", "\"\\u0069nstance\"") + "}", "escaped key");
    add(IRQ, SINGLE.replace("virtio-net7", "caf\u00e9") + "}", "non-ASCII name");
    add(IRQ, SINGLE + ",\"irq\":48}", "repeated key: the last counts");
    for (Object v : new Object[] {"1", "1.0", "2", "0", "-1", "null", "true", "\"1\"", "[1]", "1e0", "01"}) {
      add(IRQ, SINGLE + ",\"v\":" + v + "}", "v " + v);
    }
  }

  private void instants() {
    String[] ts = {"2026-01-01T00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1Z",
        "2026-01-01T00:00:00.123456789Z", "2026-01-01T00:00:00.1234567891Z", "2026-01-01T00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T24:00:01Z", "2026-01-01T23:59:60Z", "2026-01-01T12:59:60Z", "2026-01-01T00:00:00+01:00",
        "2026-01-01T00:00:00-05:30", "2026-01-01T00:00:00+01", "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+01:00:30",
        "2026-01-01T00:00:00z", "2026-01-01t00:00:00Z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "+12026-01-01T00:00:00Z", "12026-01-01T00:00:00Z",
        "2026-1-01T00:00:00Z", "2026-01-01T00:00:00+18:00", "2026-01-01T00:00:00+19:00", "-0001-01-01T00:00:00Z",
        "0000-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "2026-01-01T00:00:00+01:00Z", "2026-01-01T00:00:00 Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T25:00:00Z", "", "now"};
    for (String t : ts) {
      add(IRQ, "{\"irqs\":[{\"irq\":1,\"instance\":\"a\",\"isr\":2,\"generation\":1,\"phyTs\":\"" + t + "\"}],"
          + "\"ts\":\"2026-01-01T00:00:00Z\"}", "phyTs " + t);
    }
  }

  private void json() {
    String ok = SINGLE + "}";
    String[][] variants = {
        {" \t\r\n" + ok + " \n", "whitespace around"},
        {"\uFEFF" + ok, "a byte order mark"},
        {ok + "x", "trailing garbage"},
        {ok + "{}", "two objects"},
        {ok.replace(",\"isr\"", ",,\"isr\""), "double comma"},
        {ok.replace("}", ",}"), "trailing comma"},
        {ok.replace('"', '\''), "single quotes"},
        {ok.replace("\"irq\":47", "\"irq\":047"), "leading zero"},
        {ok.replace("\"irq\":47", "\"irq\":+47"), "plus sign"},
        {ok.replace("\"irq\":47", "\"irq\":NaN"), "NaN"},
        {ok.replace("\"irq\":47", "/* c */\"irq\":47"), "a comment"},
        {ok.replace("virtio-net7", "virtio\tnet7"), "a raw tab in a string"},
        {ok.replace("virtio-net7", "virtio\\x"), "a bad escape"},
        {ok.replace("virtio-net7", "virtio\\ud800"), "a lone surrogate escape"},
        {ok.replace("\"ts\":\"2026-01-01T00:00:00Z\"", "\"ts\":\"2026-01-01T00:00:00Z\",\"pad\":[[[[{\"a\":[]}]]]]"),
            "nested extras"},
        {ok.replace("}", ",\"pad\":\"" + "x".repeat(4000) + "\"}"), "4 KiB and a bit (the irq topic's cap is 40 KiB)"},
        {"[" + ok + "]", "an array"},
        {"\"" + ok + "\"", "a string"},
        {"null", "null"},
        {"{", "truncated"},
        {ok.substring(0, ok.length() - 1), "truncated at the end"},
        {"{}", "an empty object"},
    };
    for (String[] v : variants) {
      add(IRQ, v[0], v[1]);
    }
    add(IRQ, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'}, "bad UTF-8");
    add(IRQ, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, "UTF-8 surrogate");
    add(IRQ, new byte[] {'{', '"', 'a', '"', ':', '"', 0, '"', '}'}, "a NUL in a string");
    add(DEVICE, "{\"pad\":\"" + "x".repeat(4090) + "\"}", "a device over 4 KiB");
  }

  private void devices() {
    EnumSet<VirtioFeature> all = EnumSet.allOf(VirtioFeature.class);
    add(DEVICE, Codecs.DEVICE.encode(new DeviceInfo("virtio-net7", 7, 47, all, "eth0", "linux0", null)), "every feature");
    add(DEVICE, Codecs.DEVICE.encode(new DeviceInfo("virtio-net7", 4095, 65535, EnumSet.noneOf(VirtioFeature.class),
        "\u03b4\u03b4\u03b4\u03b4\u03b4\u03b4\u03b4", "a", null)), "no feature, 14-byte Greek ifname");
    add(DEVICE, Codecs.DEVICE.encode(new DeviceInfo("virtio-net7", 7, 47, EnumSet.of(VirtioFeature.STATUS), "eth0",
        "linux0", new FrontendBinding.Qemu("unix:/run/vm1/qmp.sock", "nic0"))), "a QEMU binding");
    add(DEVICE, Codecs.DEVICE.encode(new DeviceInfo("virtio-net7", 7, 47, EnumSet.of(VirtioFeature.STATUS), "eth0",
        "linux0", new FrontendBinding.Libvirt("qemu:///system", "vm1", "52:54:00:12:34:56"))), "a libvirt binding");
    String base = "{\"instance\":\"virtio-net7\",\"cpu\":7,\"irq\":47,\"deviceFeatures\":[\"STATUS\"],\"phy\":\"eth0\","
        + "\"agent\":\"linux0\"";
    add(DEVICE, base + "}", "minimal");
    add(DEVICE, base.replace("virtio-net7", "virtio-net8") + "}", "another instance than the topic's");
    String[] phys = {"eth0:1", "eth 0", "eth/0", "eth+", "eth#", ".", "..", "...", "abcdefghijklmno", "abcdefghijklmnop",
        "eth\u00a00", "eth\u2028", "eth\u0085", "eth\uFFFD", "\uD83D\uDE00", "\u00e9th0", "", "eth\\u0000"};
    for (String phy : phys) {
      add(DEVICE, base.replace("\"eth0\"", "\"" + phy + "\"") + "}", "phy '" + phy + "'");
    }
    for (String agent : new String[] {"Linux0", "-a", "a_b.c-d", "a".repeat(63), "a".repeat(64)}) {
      add(DEVICE, base.replace("linux0", agent) + "}", "agent " + agent);
    }
    for (String f : new String[] {"[]", "[\"WARP\"]", "[1]", "\"STATUS\"", "null", "[\"STATUS\",\"STATUS\"]",
        "[\"status\"]", "[\"VERSION_1\",\"SPEED_DUPLEX\"]"}) {
      add(DEVICE, base.replace("[\"STATUS\"]", f) + "}", "deviceFeatures " + f);
    }
    for (String cpu : new String[] {"0", "4095", "4096", "-1", "\"7\"", "7.5"}) {
      add(DEVICE, base.replace("\"cpu\":7", "\"cpu\":" + cpu) + "}", "cpu " + cpu);
    }
    String[] bindings = {"{\"kind\":\"qemu\",\"qmp\":\"tcp:host:4444\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"tcp:host:123456\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"tcp::4444\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"tcp:a:b:4444\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"unix:\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"unix:/x\",\"device\":\"0nic\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"unix:/x\",\"device\":\"" + "n".repeat(64) + "\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"unix:/x\",\"device\":\"" + "n".repeat(65) + "\"}",
        "{\"kind\":\"xen\",\"qmp\":\"unix:/x\",\"device\":\"nic0\"}",
        "{\"kind\":\"qemu\",\"qmp\":\"unix:/x\"}",
        "{\"kind\":\"xen\"}", "{\"qmp\":\"unix:/x\",\"device\":\"nic0\"}",
        "null", "[]"};
    for (String b : bindings) {
      add(DEVICE, base + ",\"frontend\":" + b + "}", "frontend " + b);
    }
    String[][] libvirt = {
        {"qemu:///system", "vm1", "52:54:00:12:34:56"}, {"qemu:///system", "vm1", "vnet0"},
        {"qemu:///system", "vm1", "52:54:00:AB:cd:5f"}, {"qemu:///system", "vm1", "52:54:00:12:34:5g"},
        {"qemu:///system", "vm1", "eth0:1"}, {"qemu:///system", "vm1", "abcdefghijklmnop"},
        {"qemu+ssh://user@host:22/system", "vm1", "vnet0"}, {"qemu:system", "vm1", "vnet0"},
        {"qemu+unix:///session", "vm1", "vnet0"}, {"qemu:///a%20b", "vm1", "vnet0"}, {"qemu:///a#frag", "vm1", "vnet0"},
        {"xen:///system", "vm1", "vnet0"}, {"qemu", "vm1", "vnet0"}, {"qemu:", "vm1", "vnet0"},
        {"qemu:///sys tem", "vm1", "vnet0"}, {"qemu:///a%zz", "vm1", "vnet0"}, {"QEMU:///system", "vm1", "vnet0"},
        {"qemu+SSH://h/s", "vm1", "vnet0"}, {"qemu+://h/s", "vm1", "vnet0"}, {"qemu:///a#b#c", "vm1", "vnet0"},
        {"qemu:///a{b}", "vm1", "vnet0"}, {"qemu:///" + "s".repeat(300), "vm1", "vnet0"},
        {"qemu:///" + "s".repeat(505), "vm1", "vnet0"}, {"qemu:///system", "-vm", "vnet0"},
        {"qemu:///system", "a".repeat(128), "vnet0"}, {"qemu:///system", "a".repeat(129), "vnet0"},
        {"qemu:///system", "vm+1@x:y", "vnet0"}, {"qemu:///system", "vm 1", "vnet0"}};
    for (String[] l : libvirt) {
      add(DEVICE, base + ",\"frontend\":{\"kind\":\"libvirt\",\"uri\":\"" + l[0] + "\",\"domain\":\"" + l[1]
          + "\",\"interface\":\"" + l[2] + "\"}}", "libvirt " + String.join(" ", l));
    }
    add(DEVICE, base + ",\"frontend\":{\"kind\":\"libvirt\",\"uri\":\"qemu:///system\",\"domain\":\"vm1\"}}",
        "libvirt without interface");
    add(DEVICE, base + ",\"frontend\":{\"kind\":\"libvirt\",\"qmp\":\"unix:/x\",\"device\":\"nic0\"}}",
        "libvirt with qemu's fields");
    add(DEVICE, "{\"instance\":\"BAD\",\"cpu\":7,\"frontend\":{\"kind\":\"xen\"}}", "the binding is checked first");
    add(DEVICE, "{\"instance\":\"BAD\",\"cpu\":4096,\"irq\":1,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"a\"}",
        "a range before a name");
  }

  private void ctrl() {
    add(CTRL, Codecs.CTRL.encode(CtrlMessage.announceAck()), "ANNOUNCE_ACK");
    add(CTRL, Codecs.CTRL.encode(new CtrlMessage.DriverFeatures(EnumSet.allOf(VirtioFeature.class))), "every feature");
    add(CTRL, "{\"driverFeatures\":null,\"class\":3,\"cmd\":0}", "driverFeatures null");
    add(CTRL, "{\"class\":256,\"cmd\":0}", "class 256");
    add(CTRL, "{\"class\":3}", "no cmd");
    add(CTRL, "{\"driverFeatures\":[\"TELEPORT\"]}", "unknown feature");
  }

  private void topics() {
    for (String cpu : new String[] {"0", "4095", "4096", "9999", "99999", "-1", "0x2", "", "07"}) {
      add("vnet/rtos/" + cpu + "/irq", SINGLE + "}", "irq topic of cpu '" + cpu + "'");
    }
    for (String inst : new String[] {"Virtio", "a".repeat(64), "..", "a:b"}) {
      add("vnet/virtio/" + inst + "/config", new byte[28], "config topic of '" + inst + "'");
    }
  }
}
