package io.virtnet.backend.config;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.FrontendBinding;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One virtio-net instance: the PHY it watches (by name, on one agent), where its IRQ goes, the
 * features its device offers, an optional fixed MAC, the carrier-notify switch, its link policy, an
 * optional frontend binding and when it announces. Parsed from a {@code backend.instances[i]} entry or a
 * {@code POST /api/instances} body by the same {@link #from(ConfigNode)}.
 */
public record InstanceConfig(
    String name,
    String phy,
    String agent,
    int cpu,
    int irq,
    String mac,
    Set<VirtioFeature> features,
    boolean carrierNotify,
    LinkPolicyConfig policy,
    FrontendBinding frontend,
    AnnounceMode announce) {

  public static final Set<VirtioFeature> DEFAULT_FEATURES = Collections.unmodifiableSet(EnumSet.of(
      VirtioFeature.STATUS, VirtioFeature.CTRL_VQ, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MTU,
      VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX));

  private static final String[] KEYS = {
      "name", "phy", "agent", "cpu", "irq", "mac", "features", "carrierNotify", "policy", "frontend", "announce"};

  public InstanceConfig {
    requireName("name", name, Names.instanceProblem(name));
    requireName("phy", phy, Names.ifnameProblem(phy));
    requireName("agent", agent, Names.instanceProblem(agent));
    if (cpu < 0 || cpu > 4095) {
      throw new ConfigException("cpu: must be 0..4095, got " + cpu);
    }
    if (irq < 0 || irq > 65535) {
      throw new ConfigException("irq: must be 0..65535, got " + irq);
    }
    if (mac != null) {
      try {
        VirtioNetConfig.parseMac(mac);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("mac: " + e.getMessage());
      }
    }
    Objects.requireNonNull(features, "features");
    features = Collections.unmodifiableSet(features.isEmpty()
        ? EnumSet.noneOf(VirtioFeature.class) : EnumSet.copyOf(features));
    if (features.contains(VirtioFeature.GUEST_ANNOUNCE) && !features.contains(VirtioFeature.CTRL_VQ)) {
      throw new ConfigException("features: GUEST_ANNOUNCE needs CTRL_VQ");
    }
    policy = policy == null ? LinkPolicyConfig.DEFAULTS : policy;
    announce = announce == null ? AnnounceMode.ON_LINK_UP : announce;
  }

  /** An instance that announces on every rise of the link (the default). */
  public InstanceConfig(String name, String phy, String agent, int cpu, int irq, String mac,
      Set<VirtioFeature> features, boolean carrierNotify, LinkPolicyConfig policy, FrontendBinding frontend) {
    this(name, phy, agent, cpu, irq, mac, features, carrierNotify, policy, frontend, AnnounceMode.ON_LINK_UP);
  }

  private static void requireName(String field, String value, String problem) {
    if (problem != null) {
      throw new ConfigException(field + ": " + problem);
    }
  }

  /** Parses one instance map; errors name the field path, unknown keys are rejected. */
  public static InstanceConfig from(ConfigNode n) {
    n.allowOnly(KEYS);
    String name = n.requiredString("name");
    if (Names.instanceProblem(name) != null) {
      throw n.error("name", Names.instanceProblem(name));
    }
    String phy = n.requiredString("phy");
    if (Names.ifnameProblem(phy) != null) {
      throw n.error("phy", Names.ifnameProblem(phy));
    }
    String agent = n.requiredString("agent");
    if (Names.instanceProblem(agent) != null) {
      throw n.error("agent", Names.instanceProblem(agent));
    }
    int cpu = (int) n.requiredInteger("cpu", 0, 4095);
    int irq = (int) n.requiredInteger("irq", 0, 65535);
    String mac = n.string("mac", null);
    if (mac != null) {
      try {
        VirtioNetConfig.parseMac(mac);
      } catch (IllegalArgumentException e) {
        throw n.error("mac", e.getMessage());
      }
    }
    Set<VirtioFeature> features = EnumSet.noneOf(VirtioFeature.class);
    List<String> names = n.strings("features", null);
    if (names == null) {
      features.addAll(DEFAULT_FEATURES);
    } else {
      for (String f : names) {
        try {
          features.add(VirtioFeature.valueOf(f));
        } catch (IllegalArgumentException e) {
          throw n.error("features", "unknown virtio-net feature '" + Names.printable(f) + "' (known: "
              + List.of(VirtioFeature.values()) + ")");
        }
      }
    }
    if (features.contains(VirtioFeature.GUEST_ANNOUNCE) && !features.contains(VirtioFeature.CTRL_VQ)) {
      throw n.error("features", "GUEST_ANNOUNCE needs CTRL_VQ");
    }
    boolean carrierNotify = n.bool("carrierNotify", true);
    LinkPolicyConfig policy = LinkPolicyConfig.from(n.child("policy"));
    FrontendBinding frontend = null;
    if (n.has("frontend")) {
      ConfigNode fe = n.child("frontend").allowOnly("kind", "qmp", "device", "uri", "domain", "interface");
      try {
        frontend = FrontendBinding.of(key -> fe.string(key, null));
      } catch (InvalidMessageException e) {
        throw new ConfigException(fe.path() + ": " + e.getMessage());
      }
    }
    String announceName = n.string("announce", AnnounceMode.ON_LINK_UP.wireName());
    AnnounceMode announce = AnnounceMode.ofWireName(announceName);
    if (announce == null) {
      throw n.error("announce", "must be onLinkUp or onRequest, got '" + Names.printable(announceName) + "'");
    }
    return new InstanceConfig(name, phy, agent, cpu, irq, mac, features, carrierNotify, policy, frontend, announce);
  }

  /** Parses a JSON body (e.g. {@code POST /api/instances}); error paths are relative to the body. */
  public static InstanceConfig fromJson(JsonObject body) {
    return from(new ConfigNode(body, ""));
  }

  public InstanceConfig withCarrierNotify(boolean enabled) {
    return new InstanceConfig(name, phy, agent, cpu, irq, mac, features, enabled, policy, frontend, announce);
  }

  public InstanceConfig withPolicy(LinkPolicyConfig p) {
    return new InstanceConfig(name, phy, agent, cpu, irq, mac, features, carrierNotify, p, frontend, announce);
  }

  public InstanceConfig withMac(String fixedMac) {
    return new InstanceConfig(name, phy, agent, cpu, irq, fixedMac, features, carrierNotify, policy, frontend, announce);
  }

  public InstanceConfig withAnnounce(AnnounceMode mode) {
    return new InstanceConfig(name, phy, agent, cpu, irq, mac, features, carrierNotify, policy, frontend, mode);
  }

  /** The same shape {@link #fromJson(JsonObject)} reads. */
  public JsonObject toJson() {
    List<String> f = new ArrayList<>();
    for (VirtioFeature v : features) {
      f.add(v.name());
    }
    JsonObject o = new JsonObject()
        .put("name", name)
        .put("phy", phy)
        .put("agent", agent)
        .put("cpu", cpu)
        .put("irq", irq)
        .put("features", new io.vertx.core.json.JsonArray(f))
        .put("carrierNotify", carrierNotify)
        .put("announce", announce.wireName())
        .put("policy", policy.toJson());
    if (mac != null) {
      o.put("mac", mac);
    }
    if (frontend != null) {
      o.put("frontend", new JsonObject(new java.util.LinkedHashMap<>(frontend.fields())));
    }
    return o;
  }
}
