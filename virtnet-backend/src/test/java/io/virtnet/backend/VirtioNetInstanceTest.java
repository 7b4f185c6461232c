package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.AnnounceMode;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceMac;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/contract.md §3, played at the protocol level: the test is the agent and the frontend. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class VirtioNetInstanceTest {

  @Test
  void cablePullClearsLinkUp_plugSetsIt_irqFollowsItsConfig(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      f.driverOk("vn0");
      f.awaitCounter("vn0", "statusIrqs", 1);

      eth0.carrier(false);
      VirtioNetConfig.Generational down = f.awaitLinkUp("vn0", false);
      f.awaitIrqAfterConfig(2, "vn0", down.generation());

      eth0.carrier(true);
      VirtioNetConfig.Generational up = f.awaitLinkUp("vn0", true);
      f.awaitIrqAfterConfig(2, "vn0", up.generation());
      assertThat(VirtioNetConfig.generationAtOrAfter(up.generation(), down.generation() + 1)).isTrue();
      assertThat(up.config().speed()).isEqualTo(1000);
      assertThat(up.config().duplex()).isEqualTo(1);
      assertThat(f.snapshot("vn0").getJsonObject("counters").getLong("carrierDownCount")).isEqualTo(1);
    }
  }

  @Test
  void adminDownTakesTheLinkDown_adminUpBringsItBack(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      eth0.admin(false);
      f.awaitLinkUp("vn0", false);
      eth0.admin(true);
      f.awaitLinkUp("vn0", true);
    }
  }

  @Test
  void adminUpWithoutCarrier_staysDown(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.admin = false;
      eth0.carrier = false;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitCounter("vn0", "phyEvents", 1);
      long before = f.counters("vn0").getLong("phyEvents");
      eth0.admin(true); // NETDEV_UP, operstate LOWERLAYERDOWN
      f.awaitCounter("vn0", "phyEvents", before + 2);
      assertThat(f.lastConfig("vn0").config().linkUp()).isFalse();
      assertThat(f.snapshot("vn0").getBoolean("bound")).isTrue();
      eth0.carrier(true);
      f.awaitLinkUp("vn0", true);
    }
  }

  @Test
  void phyRegisteredAfterTheInstance_isBoundByName(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      f.start(instance("vn0", "eth0", 2, 42));
      // the broker acknowledges the probe's config before it need have delivered it to the test client
      f.awaitConfig("vn0", c -> true);
      assertThat(f.lastConfig("vn0").config().linkUp()).isFalse();
      assertThat(f.snapshot("vn0").getBoolean("bound")).isFalse();
      SimPhy eth0 = f.phy("eth0", 5);
      eth0.register();
      f.awaitHold("vn0", "eth0", true);
      VirtioNetConfig.Generational up = f.awaitLinkUp("vn0", true);
      assertThat(up.config().mtu()).isEqualTo(1500);
      // the device's own MAC, never the PHY's
      assertThat(up.config().macString()).isEqualTo(DeviceMac.derive(f.nodeName(), "vn0"));
      RefHold hold = Codecs.REF_HOLD.decode(f.mqtt.last(f.refTopic("vn0", "eth0")).orElseThrow().payload());
      assertThat(hold.holder()).isEqualTo("vn0");
      assertThat(hold.node()).isEqualTo(f.nodeName());
      assertThat(f.snapshot("vn0").getInteger("ifindex")).isEqualTo(5);
    }
  }

  @Test
  void instanceStartedAfterThePhy_learnsItFromTheRetainedState(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.address = "52:54:00:aa:bb:cc";
      eth0.mtu = 9000;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      VirtioNetConfig.Generational up = f.awaitLinkUp("vn0", true);
      assertThat(up.config().macString()).isEqualTo(DeviceMac.derive(f.nodeName(), "vn0"));
      assertThat(up.config().mtu()).isEqualTo(9000);
      f.awaitHold("vn0", "eth0", true);
      // the device is published for the RTOS to discover
      assertThat(f.mqtt.last(f.topics.virtioDevice("vn0")).orElseThrow().json().getInteger("irq")).isEqualTo(42);
    }
  }

  @Test
  void twoInstancesOnOnePhy_bothHoldAndFollow_andAHotPluggedThirdOneLearnsTheState(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42), instance("vn1", "eth0", 3, 43));
      f.awaitHold("vn0", "eth0", true);
      f.awaitHold("vn1", "eth0", true);
      f.awaitLinkUp("vn0", true);
      f.awaitLinkUp("vn1", true);
      f.driverOk("vn0");
      f.driverOk("vn1");
      f.awaitCounter("vn0", "driverProbes", 1);
      f.awaitCounter("vn1", "driverProbes", 1);

      eth0.carrier(false);
      f.awaitIrqAfterConfig(2, "vn0", f.awaitLinkUp("vn0", false).generation());
      f.awaitIrqAfterConfig(3, "vn1", f.awaitLinkUp("vn1", false).generation());

      // a later subscriber of the same PHY topics still gets the retained state
      f.node.api().addInstance(instance("vn2", "eth0", 3, 44)).await(10, TimeUnit.SECONDS);
      f.awaitHold("vn2", "eth0", true);
      f.awaitCounter("vn2", "phyEvents", 1);
      assertThat(f.lastConfig("vn2").config().linkUp()).isFalse();
      eth0.carrier(true);
      f.awaitLinkUp("vn0", true);
      f.awaitLinkUp("vn1", true);
      f.awaitLinkUp("vn2", true);
    }
  }

  @Test
  void unregisterReleasesTheHold_aLaterRegisterRebinds(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitHold("vn0", "eth0", true);
      eth0.unregister();
      f.awaitHold("vn0", "eth0", false);
      f.awaitLinkUp("vn0", false);
      assertThat(f.snapshot("vn0").getBoolean("bound")).isFalse();

      eth0.ifindex = 7;
      eth0.admin = true;
      eth0.register();
      f.awaitHold("vn0", "eth0", true);
      f.awaitLinkUp("vn0", true);
      assertThat(f.snapshot("vn0").getInteger("ifindex")).isEqualTo(7);
    }
  }

  @Test
  void renameAwayReleasesTheHold_aNewIfindexRebinds(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      // the state says ifindex 3 now: another device under the same name
      eth0.ifindex = 3;
      eth0.publish(NetdevCmd.NETDEV_REGISTER);
      f.awaitCounter("vn0", "rebinds", 1);
      assertThat(f.snapshot("vn0").getInteger("ifindex")).isEqualTo(3);

      // NETDEV_CHANGENAME eth0 -> eth9, as published on the old name's event topic
      eth0.admin = false;
      eth0.ifname = "eth9";
      NetdevEvent renamed = new NetdevEvent(NetdevCmd.NETDEV_CHANGENAME, ++eth0.seq, eth0.state(), "eth0");
      f.raw(f.topics.phyEvent("linux0", "eth0"), Codecs.NETDEV_EVENT.encode(renamed), false);
      f.awaitHold("vn0", "eth0", false);
      f.awaitLinkUp("vn0", false);
    }
  }

  @Test
  void carrierNotifyOff_ignoresFlaps_onAgainResyncsAtOnce(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      // a linkwatch interval far beyond the test timeout: only a bypass can be fast
      InstanceConfig slow = instance("vn0", "eth0", 2, 42).withPolicy(LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(600_000));
      f.start(slow);
      f.awaitLinkUp("vn0", true);
      eth0.carrier(false);          // first non-urgent report: immediate
      f.awaitLinkUp("vn0", false);
      eth0.carrier(true);           // urgent
      f.awaitLinkUp("vn0", true);

      f.node.api().setCarrierNotify("vn0", false).await(10, TimeUnit.SECONDS);
      f.awaitHold("vn0", "eth0", false);
      long writes = f.counters("vn0").getLong("configWrites");
      long events = f.counters("vn0").getLong("phyEvents");
      eth0.carrier(false);
      eth0.carrier(true);
      eth0.carrier(false);
      f.awaitCounter("vn0", "phyEvents", events + 6);
      assertThat(f.counters("vn0").getLong("configWrites")).isEqualTo(writes);
      assertThat(f.lastConfig("vn0").config().linkUp()).isTrue();

      f.node.api().setCarrierNotify("vn0", true).await(10, TimeUnit.SECONDS);
      f.awaitHold("vn0", "eth0", true);
      f.awaitLinkUp("vn0", false);
    }
  }

  @Test
  void announceOnlyOnTheWayUp_clearedByTheAck(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      f.driverOk("vn0");
      f.awaitCounter("vn0", "driverProbes", 1);
      assertThat(f.lastConfig("vn0").config().announce()).isFalse();

      eth0.carrier(false);
      VirtioNetConfig.Generational down = f.awaitLinkUp("vn0", false);
      assertThat(down.config().announce()).isFalse();
      eth0.carrier(true);
      VirtioNetConfig.Generational up = f.awaitLinkUp("vn0", true);
      assertThat(up.config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE);
      f.awaitIrqAfterConfig(2, "vn0", up.generation());

      long irqs = f.counters("vn0").getLong("statusIrqs");
      f.announceAck("vn0");
      VirtioNetConfig.Generational acked = f.awaitConfig("vn0", c -> !c.announce());
      assertThat(acked.config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP);
      assertThat(f.counters("vn0").getLong("statusIrqs")).isEqualTo(irqs);
      assertThat(f.counters("vn0").getLong("announces")).isEqualTo(1);
    }
  }

  @Test
  void announceOnRequest_postSetsAnnounceWithAnIrq_theAckClearsItWithoutASecondIrq(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.carrier = false;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42).withAnnounce(AnnounceMode.ON_REQUEST));
      f.driverOk("vn0");
      f.awaitCounter("vn0", "driverProbes", 1);
      // onRequest: a rise of the link does not announce
      eth0.carrier(true);
      assertThat(f.awaitLinkUp("vn0", true).config().announce()).isFalse();

      // WHEN announce is requested THEN ANNOUNCE is written and its IRQ raised after it
      JsonObject snap = f.node.api().announce("vn0").await(10, TimeUnit.SECONDS);
      assertThat(snap.getBoolean("announce")).isTrue();
      VirtioNetConfig.Generational announced = f.awaitConfig("vn0", VirtioNetConfig::announce);
      assertThat(announced.config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE);
      f.awaitIrqAfterConfig(2, "vn0", announced.generation());
      long irqs = f.counters("vn0").getLong("statusIrqs");

      // the driver's ACK clears it with a write that raises no IRQ
      f.announceAck("vn0");
      VirtioNetConfig.Generational cleared = f.awaitConfig("vn0", c -> !c.announce());
      assertThat(cleared.config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP);
      assertThat(f.counters("vn0").getLong("statusIrqs")).isEqualTo(irqs);
      assertThat(f.counters("vn0").getLong("announces")).isEqualTo(1);
      assertThat(f.irqs(2, "vn0")).noneMatch(i -> i.generation() == cleared.generation());
    }
  }

  @Test
  void announceRequest_withoutGuestAnnounceNegotiated_isAConflict(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      f.phy("eth0", 2).publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      assertThatThrownBy(() -> f.node.api().announce("vn0").await(10, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.getMessage()).contains("no driver is live");
          });
      f.driverOk("vn0", EnumSet.of(VirtioFeature.STATUS, VirtioFeature.MAC));
      f.awaitCounter("vn0", "driverProbes", 1);
      assertThatThrownBy(() -> f.node.api().announce("vn0").await(10, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("GUEST_ANNOUNCE"));
      assertThat(f.counters("vn0").getLong("announces")).isZero();
    }
  }

  @Test
  void noAnnounceWithoutGuestAnnounceNegotiated(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.carrier = false;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.driverOk("vn0", EnumSet.of(VirtioFeature.STATUS, VirtioFeature.GUEST_ANNOUNCE)); // no CTRL_VQ
      f.awaitCounter("vn0", "driverProbes", 1);
      eth0.carrier(true);
      VirtioNetConfig.Generational up = f.awaitLinkUp("vn0", true);
      assertThat(up.config().announce()).isFalse();
    }
  }

  @Test
  void driverWithoutStatus_seesTheLinkAlwaysUp_andGetsNoIrqs(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.carrier = false;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitCounter("vn0", "phyEvents", 1);
      f.driverOk("vn0", EnumSet.of(VirtioFeature.MAC, VirtioFeature.MTU));
      f.awaitLinkUp("vn0", true);
      long events = f.counters("vn0").getLong("phyEvents");
      eth0.carrier(true);
      eth0.carrier(false);
      f.awaitCounter("vn0", "phyEvents", events + 4);
      assertThat(f.lastConfig("vn0").config().linkUp()).isTrue();
      assertThat(f.irqs(2, "vn0")).isEmpty();
      assertThat(f.counters("vn0").getLong("statusIrqs")).isZero();
    }
  }

  @Test
  void differentDriverFeaturesAreRefusedUntilTheDeviceIsRepublished_thenAReprobeRenegotiates(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.carrier = false;
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.driverOk("vn0");
      f.awaitIrqAfterConfig(2, "vn0", f.awaitProbeGeneration("vn0"));
      assertThat(f.lastConfig("vn0").config().linkUp()).isFalse();

      // a forged driverFeatures on a live device: refused (VIRTIO 1.2 section 3.1.1), counted, nothing changes
      f.driverOk("vn0", EnumSet.of(VirtioFeature.MAC));
      f.awaitCounter("vn0", "rejected", 1);
      assertThat(f.snapshot("vn0").getJsonArray("negotiatedFeatures")).contains("STATUS", "GUEST_ANNOUNCE");
      assertThat(f.counters("vn0").getLong("driverProbes")).isEqualTo(1);
      assertThat(f.registry.scrape()).contains("reason=\"renegotiation\"");

      // the device is republished (here: re-asserted after another client cleared it), so the driver
      // may probe anew: without STATUS the link reads as up, and IRQs stop
      int mark = f.mqtt.mark();
      f.raw(f.topics.virtioDevice("vn0"), new byte[0], true);
      f.mqtt.awaitAnySince(mark, f.topics.virtioDevice("vn0"), r -> !r.isEmpty(), BackendFixture.WITHIN);
      await().atMost(BackendFixture.WITHIN).until(() -> f.node.api().health().await(10, TimeUnit.SECONDS)
          .getJsonObject("repairs").getLong("device-reasserted", 0L) >= 1);
      f.driverOk("vn0", EnumSet.of(VirtioFeature.MAC));
      f.awaitLinkUp("vn0", true);
      long irqs = f.counters("vn0").getLong("statusIrqs");
      assertThat(f.snapshot("vn0").getJsonArray("negotiatedFeatures")).containsExactly("MAC");
      long events = f.counters("vn0").getLong("phyEvents");
      eth0.carrier(true);
      f.awaitCounter("vn0", "phyEvents", events + 2);
      assertThat(f.counters("vn0").getLong("statusIrqs")).isEqualTo(irqs);
    }
  }

  @Test
  void noIrqBeforeDriverFeatures_theConfigIsKeptCurrent(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      eth0.carrier(false);
      f.awaitLinkUp("vn0", false);
      eth0.carrier(true);
      f.awaitLinkUp("vn0", true);
      assertThat(f.irqs(2, "vn0")).isEmpty();

      f.driverOk("vn0");
      VirtioNetConfig.Generational current = f.awaitConfig("vn0", c -> true);
      f.awaitIrq(2, "vn0", i -> true);
      f.awaitIrqAfterConfig(2, "vn0", f.lastConfig("vn0").generation());
      assertThat(current.config().linkUp()).isTrue();
    }
  }

  @Test
  void staleSeqIsDropped(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      long stale = f.counters("vn0").getLong("staleDropped");
      // a replayed, older event saying the carrier is gone
      eth0.carrier = false;
      NetdevEvent old = new NetdevEvent(NetdevCmd.NETDEV_CHANGE, eth0.seq - 10, eth0.state().withSeq(eth0.seq - 10, Instant.now()), null);
      f.raw(f.topics.phyEvent("linux0", "eth0"), Codecs.NETDEV_EVENT.encode(old), false);
      f.raw(f.topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(old.state()), false);
      f.awaitCounter("vn0", "staleDropped", stale + 2);
      assertThat(f.lastConfig("vn0").config().linkUp()).isTrue();
    }
  }

  @Test
  void eachInstanceHasItsOwnMac_aConfiguredOneWins_aPhyAddressChangeIsCountedNotWritten(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      SimPhy eth1 = f.phy("eth1", 3);
      eth1.publishState();
      // the default stack's shape: two instances on eth0, one on eth1
      f.start(instance("virtio-net0", "eth0", 2, 42), instance("virtio-net1", "eth1", 3, 43),
          instance("virtio-net2", "eth0", 2, 44), instance("vn9", "eth1", 3, 49).withMac("02:00:00:00:00:09"));
      java.util.Set<String> macs = new java.util.HashSet<>();
      for (String name : java.util.List.of("virtio-net0", "virtio-net1", "virtio-net2")) {
        String mac = f.awaitLinkUp(name, true).config().macString();
        assertThat(mac).startsWith("02:").isNotEqualTo(eth0.address).isEqualTo(DeviceMac.derive(f.nodeName(), name));
        macs.add(mac);
      }
      assertThat(macs).as("three distinct MACs").hasSize(3);
      assertThat(f.awaitLinkUp("vn9", true).config().macString()).isEqualTo("02:00:00:00:00:09");

      eth0.address = "52:54:00:de:ad:01";
      eth0.publish(NetdevCmd.NETDEV_CHANGEADDR);
      f.awaitCounter("virtio-net0", "phyMacChangesIgnored", 1);
      assertThat(f.lastConfig("virtio-net0").config().macString()).isEqualTo(DeviceMac.derive(f.nodeName(), "virtio-net0"));
      assertThat(f.registry.scrape()).contains("vnet_backend_phy_mac_changes_ignored_total{instance=\"virtio-net2\"}");
    }
  }

  @Test
  void mtuChangeAfterProbeIsCountedNotWritten(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      eth0.mtu(9000);
      f.awaitCounter("vn0", "mtuChangesIgnored", 1);
      assertThat(f.lastConfig("vn0").config().mtu()).isEqualTo(1500);
    }
  }

  @Test
  void speedChangeWhileUpWaitsForTheNextRise(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      eth0.speed = 100;
      eth0.publish(NetdevCmd.NETDEV_CHANGE);
      f.awaitCounter("vn0", "phyEvents", 2);
      assertThat(f.lastConfig("vn0").config().speed()).isEqualTo(1000);
      eth0.carrier(false);
      assertThat(f.awaitLinkUp("vn0", false).config().speed()).isEqualTo(100);
      eth0.speed = 10_000;
      eth0.carrier(true);
      assertThat(f.awaitLinkUp("vn0", true).config().speed()).isEqualTo(10_000);
    }
  }

  @Test
  void agentLossWithPolicyDown_reportsDown_andItsReturnRepublishesTheHold(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      String status = f.topics.phyStatus("linux0");
      f.raw(status, Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, Instant.now())), true);
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(AgentLossPolicy.DOWN, instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      int holds = f.mqtt.received(f.refTopic("vn0", "eth0")).size();
      f.raw(status, Codecs.SERVICE_STATUS.encode(new ServiceStatus(false, Instant.now())), true);
      f.awaitLinkUp("vn0", false);
      assertThat(f.mqtt.last(f.refTopic("vn0", "eth0")).orElseThrow().isEmpty()).isFalse();
      f.raw(status, Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, Instant.now())), true);
      f.awaitLinkUp("vn0", true);
      assertThat(f.mqtt.received(f.refTopic("vn0", "eth0")).size()).isGreaterThan(holds);
    }
  }

  @Test
  void agentLossWithPolicyHold_keepsTheLastState(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      String status = f.topics.phyStatus("linux0");
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(AgentLossPolicy.HOLD, instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      long writes = f.counters("vn0").getLong("configWrites");
      f.raw(status, Codecs.SERVICE_STATUS.encode(new ServiceStatus(false, Instant.now())), true);
      org.awaitility.Awaitility.await().atMost(BackendFixture.WITHIN)
          .until(() -> !f.snapshot("vn0").getBoolean("agentOnline"));
      assertThat(f.counters("vn0").getLong("configWrites")).isEqualTo(writes);
      assertThat(f.lastConfig("vn0").config().linkUp()).isTrue();
    }
  }

  @Test
  void removeLeavesNoRetainedGarbage(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitHold("vn0", "eth0", true);
      f.node.api().removeInstance("vn0").await(10, TimeUnit.SECONDS);
      f.awaitHold("vn0", "eth0", false);
      f.mqtt.awaitLast(f.topics.virtioDevice("vn0"), TestMqtt.Received::isEmpty, BackendFixture.WITHIN);
      f.mqtt.awaitLast(f.topics.virtioConfig("vn0"), TestMqtt.Received::isEmpty, BackendFixture.WITHIN);
      // the broker holds nothing for a new subscriber
      try (TestMqtt late = TestMqtt.connect(broker.uri())
          .subscribe(f.prefix + "/virtio/#").subscribe(f.prefix + "/phy/+/+/ref/+")) {
        late.publish(f.prefix + "/virtio/marker", "m");
        late.awaitAny(f.prefix + "/virtio/marker", r -> true, BackendFixture.WITHIN);
        assertThat(late.received()).extracting(TestMqtt.Received::topic).containsExactly(f.prefix + "/virtio/marker");
      }
    }
  }
}
