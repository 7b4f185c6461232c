/*
 * The driver of one CPU against recorded callbacks: probe and DRIVER_OK, config/IRQ ordering in both
 * arrival orders, serial-number wrap, ANNOUNCE_ACK, the feature fallback, hot-unplug, reconnect, the
 * view re-asserted when overwritten, unknown IRQs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "vnet_json.h"

#define MAX_REC 64
typedef struct {
  char topic[128];
  char payload[400];
  size_t len;
  bool retained;
} pub;

static struct {
  pub pubs[MAX_REC];
  int n_pubs;
  char subs[MAX_REC][128];
  int n_subs;
  char unsubs[MAX_REC][128];
  int n_unsubs;
  int carrier_calls;
  bool last_carrier;
  int rejected;
  vnet_err last_reject;
} rec;

static vnet_node node;

static int on_publish(void *u, const char *topic, const uint8_t *p, size_t len, bool retained) {
  (void)u;
  assert_true(rec.n_pubs < MAX_REC);
  pub *x = &rec.pubs[rec.n_pubs++];
  snprintf(x->topic, sizeof x->topic, "%s", topic);
  assert_true(len < sizeof x->payload);
  memcpy(x->payload, p, len);
  x->payload[len] = 0;
  x->len = len;
  x->retained = retained;
  return 0;
}
static int on_subscribe(void *u, const char *f) {
  (void)u;
  snprintf(rec.subs[rec.n_subs++], 128, "%s", f);
  return 0;
}
static int on_unsubscribe(void *u, const char *f) {
  (void)u;
  snprintf(rec.unsubs[rec.n_unsubs++], 128, "%s", f);
  return 0;
}
static void on_now(void *u, char *iso, size_t cap) {
  (void)u;
  snprintf(iso, cap, "2026-01-01T00:00:00.005Z");
}
static void on_carrier(void *u, const char *i, bool on, uint32_t g) {
  (void)u, (void)i, (void)g;
  rec.carrier_calls++;
  rec.last_carrier = on;
}
static int rereads;
static char reread_topic[128];
static int on_reread(void *u, const char *t) {
  (void)u;
  rereads++;
  snprintf(reread_topic, sizeof reread_topic, "%s", t);
  return 0;
}

static void on_rejected(void *u, const char *t, vnet_err e) {
  (void)u, (void)t;
  rec.rejected++;
  rec.last_reject = e;
}

static int setup(void **state) {
  (void)state;
  memset(&rec, 0, sizeof rec);
  rereads = 0;
  vnet_ops ops = {on_publish, on_subscribe, on_unsubscribe, on_now, on_carrier, on_rejected, NULL, NULL};
  assert_true(vnet_node_init(&node, "vnet", 7, VNET_F_ALL, &ops, NULL));
  return 0;
}

static void msg(const char *topic, const char *payload, bool retained) {
  vnet_node_on_message(&node, topic, (const uint8_t *)payload, strlen(payload), retained);
}

static void config(uint32_t gen, uint16_t status, bool retained) {
  uint8_t w[28] = {0};
  w[0] = (uint8_t)gen, w[1] = (uint8_t)(gen >> 8), w[2] = (uint8_t)(gen >> 16), w[3] = (uint8_t)(gen >> 24);
  memcpy(w + 4, "\x02\x00\x00\x00\x00\x07", 6);
  w[10] = (uint8_t)status;
  w[14] = 0xdc, w[15] = 0x05; /* mtu 1500 */
  w[16] = 0xe8, w[17] = 0x03; /* speed 1000 */
  w[20] = 1;                  /* full */
  vnet_node_on_message(&node, "vnet/virtio/virtio-net7/config", w, sizeof w, retained);
}

static void irq(uint32_t gen) {
  char p[200];
  snprintf(p, sizeof p, "{\"v\":1,\"irqs\":[{\"irq\":47,\"instance\":\"virtio-net7\",\"isr\":2,\"generation\":%lu,"
      "\"phyTs\":\"2026-01-01T00:00:00.001Z\"}],\"ts\":\"2026-01-01T00:00:00.002Z\"}", (unsigned long)gen);
  msg("vnet/rtos/7/irq", p, false);
}

#define DEVICE "{\"instance\":\"virtio-net7\",\"cpu\":7,\"irq\":47,\"deviceFeatures\":[\"STATUS\",\"CTRL_VQ\"," \
    "\"GUEST_ANNOUNCE\",\"MAC\",\"MTU\",\"SPEED_DUPLEX\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}"

static const pub *last_link(void) {
  for (int i = rec.n_pubs - 1; i >= 0; i--) {
    if (strcmp(rec.pubs[i].topic, "vnet/rtos/7/virtio-net7/link") == 0) {
      return &rec.pubs[i];
    }
  }
  return NULL;
}

static int count_topic(const char *topic) {
  int n = 0;
  for (int i = 0; i < rec.n_pubs; i++) {
    n += strcmp(rec.pubs[i].topic, topic) == 0;
  }
  return n;
}

static void connectedAndProbed(void) {
  vnet_node_on_connected(&node);
  msg("vnet/virtio/virtio-net7/device", DEVICE, true);
}

static void probe_subscribesConfigThenDeclaresDriverOk(void **state) {
  (void)state;
  connectedAndProbed();
  assert_string_equal(rec.subs[0], "vnet/rtos/7/irq");
  assert_string_equal(rec.subs[1], "vnet/rtos/7/+/link");
  assert_string_equal(rec.subs[2], "vnet/virtio/+/device");
  assert_string_equal(rec.subs[3], "vnet/virtio/virtio-net7/config");
  assert_int_equal(rec.n_pubs, 1);
  assert_string_equal(rec.pubs[0].topic, "vnet/virtio/virtio-net7/ctrl");
  assert_string_equal(rec.pubs[0].payload,
      "{\"driverFeatures\":[\"MTU\",\"MAC\",\"STATUS\",\"CTRL_VQ\",\"GUEST_ANNOUNCE\",\"SPEED_DUPLEX\"]}");
  assert_false(rec.pubs[0].retained);
  assert_null(last_link()); /* no view before the first config */
}

static void retainedConfig_isTheProbeReadAndPublishesTheView(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  const pub *v = last_link();
  assert_non_null(v);
  assert_true(v->retained);
  assert_string_equal(v->payload,
      "{\"carrier\":true,\"status\":1,\"generation\":5,\"mtu\":1500,\"speed\":1000,\"duplex\":\"full\","
      "\"announces\":0,\"mac\":\"02:00:00:00:00:07\",\"driver\":\"c\",\"ts\":\"2026-01-01T00:00:00.005Z\"}");
  assert_int_equal(rec.carrier_calls, 1);
  assert_true(rec.last_carrier);
}

static void liveConfig_waitsForItsIrq(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  config(6, 0, false);
  assert_true(strstr(last_link()->payload, "\"generation\":5") != NULL);
  irq(6);
  assert_true(strstr(last_link()->payload, "\"carrier\":false,\"status\":0,\"generation\":6") != NULL);
  assert_true(strstr(last_link()->payload, "\"phyTs\":\"2026-01-01T00:00:00.001Z\"") != NULL);
  assert_false(rec.last_carrier);
}

static void irqBeforeItsConfig_waitsForTheConfig(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  irq(6);
  assert_true(strstr(last_link()->payload, "\"generation\":5") != NULL);
  config(6, 0, false);
  assert_true(strstr(last_link()->payload, "\"generation\":6") != NULL);
  assert_true(strstr(last_link()->payload, "\"phyTs\":\"2026-01-01T00:00:00.001Z\"") != NULL);
}

static void olderConfig_isNeverApplied(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  irq(7);
  config(6, 0, false); /* older than the IRQ being handled */
  assert_true(strstr(last_link()->payload, "\"generation\":5") != NULL);
  config(4, 0, true); /* a stale retained copy */
  assert_true(strstr(last_link()->payload, "\"generation\":5") != NULL);
  config(7, 0, false);
  assert_true(strstr(last_link()->payload, "\"generation\":7") != NULL);
}

static void generations_wrapAround(void **state) {
  (void)state;
  connectedAndProbed();
  config(0xFFFFFFFFu, VNET_S_LINK_UP, true);
  config(0, 0, false);
  irq(0);
  assert_true(strstr(last_link()->payload, "\"generation\":0,") != NULL);
  assert_false(rec.last_carrier);
}

static void announce_isAckedOncePerGeneration(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP | VNET_S_ANNOUNCE, true);
  assert_int_equal(count_topic("vnet/virtio/virtio-net7/ctrl"), 2);
  assert_string_equal(rec.pubs[1].payload, "{\"class\":3,\"cmd\":0}");
  assert_true(strstr(last_link()->payload, "\"announces\":1") != NULL);
  config(5, VNET_S_LINK_UP | VNET_S_ANNOUNCE, true); /* the same generation read again */
  assert_int_equal(count_topic("vnet/virtio/virtio-net7/ctrl"), 2);
}

static void withoutStatus_theLinkIsAlwaysUp(void **state) {
  (void)state;
  vnet_node_on_connected(&node);
  msg("vnet/virtio/virtio-net7/device", "{\"instance\":\"virtio-net7\",\"cpu\":7,\"irq\":47,"
      "\"deviceFeatures\":[\"MAC\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}", true);
  config(5, 0, true);
  assert_true(strstr(last_link()->payload, "\"carrier\":true") != NULL);
  assert_true(strstr(last_link()->payload, "\"speed\":-1,\"duplex\":\"unknown\"") != NULL);
  assert_int_equal(rec.carrier_calls, 0);
}

static void hotUnplug_removesTheDriverAndClearsItsView(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  vnet_node_on_message(&node, "vnet/virtio/virtio-net7/device", (const uint8_t *)"", 0, false);
  assert_null(vnet_node_find(&node, "virtio-net7"));
  const pub *v = last_link();
  assert_int_equal(v->len, 0);
  assert_true(v->retained);
  assert_string_equal(rec.unsubs[0], "vnet/virtio/virtio-net7/config");
}

static void liveGone_isActedOnOnlyWhenTheRetainedStoreAgrees(void **state) {
  (void)state;
  node.ops.reread = on_reread;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  vnet_node_on_message(&node, "vnet/virtio/virtio-net7/device", (const uint8_t *)"", 0, false); /* forged */
  assert_int_equal(rereads, 1);
  assert_string_equal(reread_topic, "vnet/virtio/virtio-net7/device");
  assert_non_null(vnet_node_find(&node, "virtio-net7"));
  msg("vnet/virtio/virtio-net7/device", DEVICE, true); /* the store still holds it */
  vnet_node_reread_done(&node, reread_topic);
  assert_non_null(vnet_node_find(&node, "virtio-net7"));
  vnet_node_on_message(&node, "vnet/virtio/virtio-net7/device", (const uint8_t *)"", 0, false); /* a real unplug */
  assert_int_equal(rereads, 2);
  vnet_node_reread_done(&node, reread_topic); /* nothing retained came */
  assert_null(vnet_node_find(&node, "virtio-net7"));
  assert_int_equal(last_link()->len, 0);
}

static void deviceOfAnotherCpu_isNotProbed(void **state) {
  (void)state;
  vnet_node_on_connected(&node);
  msg("vnet/virtio/virtio-net2/device", "{\"instance\":\"virtio-net2\",\"cpu\":2,\"irq\":42,"
      "\"deviceFeatures\":[\"STATUS\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}", true);
  assert_null(vnet_node_find(&node, "virtio-net2"));
  assert_int_equal(rec.n_pubs, 0);
  msg("vnet/virtio/virtio-net9/device", DEVICE, true); /* names virtio-net7 */
  assert_int_equal(rec.last_reject, VNET_E_INSTANCE_MISMATCH);
}

static void republishedDevice_redeclaresFeaturesOnlyWhenLive(void **state) {
  (void)state;
  connectedAndProbed();
  msg("vnet/virtio/virtio-net7/device", DEVICE, true);
  assert_int_equal(count_topic("vnet/virtio/virtio-net7/ctrl"), 1);
  msg("vnet/virtio/virtio-net7/device", DEVICE, false); /* the backend restarted */
  assert_int_equal(count_topic("vnet/virtio/virtio-net7/ctrl"), 2);
  assert_int_equal(rec.n_unsubs, 0); /* not re-probed */
}

static void reconnect_redeclaresAndReassertsTheView(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  const pub before = *last_link();
  vnet_node_on_connected(&node);
  assert_int_equal(count_topic("vnet/virtio/virtio-net7/ctrl"), 2);
  assert_string_equal(last_link()->payload, before.payload);
  assert_string_equal(rec.subs[rec.n_subs - 2], "vnet/virtio/virtio-net7/config");
}

static void overwrittenView_isReassertedWithTheSameBytes(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  const pub mine = *last_link();
  int n = count_topic(mine.topic);
  msg(mine.topic, mine.payload, true); /* our own echo: nothing */
  assert_int_equal(count_topic(mine.topic), n);
  msg(mine.topic, "{\"carrier\":false}", false); /* forged */
  assert_int_equal(count_topic(mine.topic), n + 1);
  assert_string_equal(last_link()->payload, mine.payload);
  vnet_node_on_message(&node, mine.topic, (const uint8_t *)"", 0, false); /* cleared */
  assert_int_equal(count_topic(mine.topic), n + 2);
}

static void viewWrittenByAnotherOwner_isAConflictAfterThreeReasserts(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  const char *topic = "vnet/rtos/7/virtio-net7/link";
  int n = count_topic(topic);
  for (int i = 0; i < 10; i++) {
    msg(topic, "{\"carrier\":false,\"driver\":\"other\"}", false);
  }
  assert_int_equal(count_topic(topic), n + 3);
  assert_int_equal(rec.last_reject, VNET_E_CONFLICT);
  assert_int_equal(rec.rejected, 1);
  config(6, 0, false);
  irq(6); /* our view changes: ours again */
  msg(topic, "{\"carrier\":true}", false);
  assert_int_equal(count_topic(topic), n + 3 + 2);
}

static void unknownIrq_isRefusedAndRereadsTheDevices(void **state) {
  (void)state;
  connectedAndProbed();
  msg("vnet/rtos/7/irq", "{\"irq\":40,\"instance\":\"virtio-net5\",\"isr\":2,\"generation\":1,"
      "\"ts\":\"2026-01-01T00:00:00Z\"}", false);
  assert_int_equal(rec.last_reject, VNET_E_UNKNOWN_IRQ);
  assert_string_equal(rec.unsubs[0], "vnet/virtio/+/device");
  assert_string_equal(rec.subs[rec.n_subs - 1], "vnet/virtio/+/device");
  msg("vnet/rtos/7/irq", "{\"irq\":40,\"instance\":\"virtio-net7\",\"isr\":2,\"generation\":1,"
      "\"ts\":\"2026-01-01T00:00:00Z\"}", false); /* a known device, on another line */
  assert_int_equal(rec.rejected, 2);
}

static void garbage_neverChangesState(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  int pubs = rec.n_pubs;
  const char *junk[] = {"", "{", "[1]", "{\"irq\":1}", "\xff\xfe", "{\"v\":2}"};
  for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
    msg("vnet/rtos/7/irq", junk[i], false);
    msg("vnet/virtio/virtio-net7/config", junk[i], false);
  }
  msg("vnet/rtos/4096/irq", "{}", false);
  assert_int_equal(rec.last_reject, VNET_E_OUT_OF_RANGE);
  msg("vnet/virtio/Bad/device", "{}", false);
  assert_int_equal(rec.last_reject, VNET_E_INVALID_NAME);
  assert_int_equal(rec.n_pubs, pubs);
  assert_non_null(vnet_node_find(&node, "virtio-net7"));
  assert_true(rec.rejected >= 13);
}

static void listFormIrq_servesEachDeviceInOrder(void **state) {
  (void)state;
  vnet_node_on_connected(&node);
  msg("vnet/virtio/virtio-net7/device", DEVICE, true);
  msg("vnet/virtio/virtio-net8/device", "{\"instance\":\"virtio-net8\",\"cpu\":7,\"irq\":48,"
      "\"deviceFeatures\":[\"STATUS\"],\"phy\":\"eth1\",\"agent\":\"linux0\"}", true);
  config(5, 0, true);
  uint8_t w[28] = {9, 0, 0, 0};
  w[10] = 1;
  vnet_node_on_message(&node, "vnet/virtio/virtio-net8/config", w, sizeof w, false);
  config(6, VNET_S_LINK_UP, false);
  msg("vnet/rtos/7/irq", "{\"v\":1,\"irqs\":[{\"irq\":47,\"instance\":\"virtio-net7\",\"isr\":2,\"generation\":6},"
      "{\"irq\":48,\"instance\":\"virtio-net8\",\"isr\":2,\"generation\":9}],\"ts\":\"2026-01-01T00:00:00Z\"}", false);
  assert_true(strstr(last_link()->payload, "\"carrier\":true,\"status\":1,\"generation\":6") != NULL);
  assert_int_equal(count_topic("vnet/rtos/7/virtio-net8/link"), 1);
  assert_int_equal(rec.carrier_calls, 2);
}

static void removeAll_clearsEveryView(void **state) {
  (void)state;
  connectedAndProbed();
  config(5, VNET_S_LINK_UP, true);
  vnet_node_remove_all(&node);
  assert_int_equal(last_link()->len, 0);
  assert_null(vnet_node_find(&node, "virtio-net7"));
}

#define T(f) cmocka_unit_test_setup(f, setup)
int main(void) {
  const struct CMUnitTest tests[] = {
      T(probe_subscribesConfigThenDeclaresDriverOk), T(retainedConfig_isTheProbeReadAndPublishesTheView),
      T(liveConfig_waitsForItsIrq), T(irqBeforeItsConfig_waitsForTheConfig), T(olderConfig_isNeverApplied),
      T(generations_wrapAround), T(announce_isAckedOncePerGeneration), T(withoutStatus_theLinkIsAlwaysUp),
      T(hotUnplug_removesTheDriverAndClearsItsView), T(liveGone_isActedOnOnlyWhenTheRetainedStoreAgrees),
      T(deviceOfAnotherCpu_isNotProbed),
      T(republishedDevice_redeclaresFeaturesOnlyWhenLive), T(reconnect_redeclaresAndReassertsTheView),
      T(overwrittenView_isReassertedWithTheSameBytes), T(viewWrittenByAnotherOwner_isAConflictAfterThreeReasserts),
      T(unknownIrq_isRefusedAndRereadsTheDevices),
      T(garbage_neverChangesState), T(listFormIrq_servesEachDeviceInOrder), T(removeAll_clearsEveryView),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
