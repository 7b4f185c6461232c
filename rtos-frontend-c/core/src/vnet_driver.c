/*
 * The driver of one RTOS CPU, after Linux drivers/net/virtio_net.c and the Java reference
 * (DeviceDirectory, RtosCpuVerticle, DeviceChannel, ConfigSequencer, VirtioNetDriver): discovers its
 * devices from the retained device topics, negotiates features, declares DRIVER_OK, applies a config
 * only once the IRQ announcing it (or a later one) was handled, answers ANNOUNCE and publishes its view.
 */
#include "vnet_json.h"

#include <string.h>

#define DRIVER_KIND "c"

static bool after(uint32_t a, uint32_t b) { return a != b && vnet_gen_at_or_after(a, b); }

static size_t cat(char *out, size_t n, size_t cap, const char *s) {
  size_t l = strlen(s);
  if (n + l + 1 > cap) {
    return cap; /* marks overflow */
  }
  memcpy(out + n, s, l + 1);
  return n + l;
}

/* The decimal digits of v (no printf on a small target). */
static const char *dec(char buf[12], uint32_t v) {
  char *p = buf + 11;
  *p = '\0';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

/* prefix + parts, into node->topic; false if too long. */
static bool topic3(vnet_node *node, const char *a, const char *b, const char *c) {
  size_t n = cat(node->topic, 0, sizeof node->topic, node->prefix);
  n = cat(node->topic, n, sizeof node->topic, a);
  n = cat(node->topic, n, sizeof node->topic, b);
  n = cat(node->topic, n, sizeof node->topic, c);
  return n < sizeof node->topic;
}

static bool cpu_topic(vnet_node *node, const char *a, const char *b) {
  char buf[12];
  return topic3(node, "/rtos/", dec(buf, node->cpu), a)
      && cat(node->topic, strlen(node->topic), sizeof node->topic, b) < sizeof node->topic;
}

static bool link_topic(vnet_node *node, const char *instance) {
  return cpu_topic(node, "/", instance) && cat(node->topic, strlen(node->topic), sizeof node->topic, "/link")
      < sizeof node->topic;
}

static void reject(vnet_node *node, const char *topic, vnet_err e) {
  node->rejected_total++;
  if (node->ops.rejected) {
    node->ops.rejected(node->user, topic, e);
  }
}

bool vnet_node_init(vnet_node *node, const char *prefix, uint16_t cpu, uint64_t driver_features,
                    const vnet_ops *ops, void *user) {
  size_t pl = prefix ? strlen(prefix) : 0;
  if (pl == 0 || pl > VNET_PREFIX_MAX || cpu > 4095 || strpbrk(prefix, "+#") || prefix[0] == '/'
      || prefix[pl - 1] == '/' || !ops || !ops->publish || !ops->subscribe || !ops->unsubscribe || !ops->now) {
    return false;
  }
  memset(node, 0, sizeof *node);
  memcpy(node->prefix, prefix, pl + 1);
  node->cpu = cpu;
  node->driver_features = driver_features & VNET_F_ALL;
  node->ops = *ops;
  node->user = user;
  return true;
}

const vnet_device *vnet_node_find(const vnet_node *node, const char *instance) {
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    if (node->dev[i].used && strcmp(node->dev[i].info.instance, instance) == 0) {
      return &node->dev[i];
    }
  }
  return NULL;
}

static vnet_device *find(vnet_node *node, const char *instance) {
  return (vnet_device *)(uintptr_t)vnet_node_find(node, instance);
}

/* --- ctrl and the view ------------------------------------------------------------------------- */

static void send_driver_features(vnet_node *node, vnet_device *d) {
  int n = vnet_ctrl_encode_features(node->out, sizeof node->out, d->negotiated);
  if (n > 0 && topic3(node, "/virtio/", d->info.instance, "/ctrl")) {
    node->ops.publish(node->user, node->topic, (const uint8_t *)node->out, (size_t)n, false);
  }
}

static void ack_announce(vnet_node *node, vnet_device *d) {
  int n = vnet_ctrl_encode_announce_ack(node->out, sizeof node->out);
  d->announce_acks++;
  if (n > 0 && topic3(node, "/virtio/", d->info.instance, "/ctrl")) {
    node->ops.publish(node->user, node->topic, (const uint8_t *)node->out, (size_t)n, false);
  }
}

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) {
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  }
  return h;
}

static const char hexdig[] = "0123456789abcdef";

/*
 * The link view as LinkView.toJson writes it, keys in the same order; its ts is the view's own. The
 * template's \1 takes the next string, \2 the next number, \3 the phyTs key if there is one.
 */
static int encode_view(vnet_node *node, const vnet_device *d) {
  static const char tpl[] = "{\"carrier\":\1,\"status\":\2,\"generation\":\2,\"mtu\":\2,\"speed\":\1,"
                            "\"duplex\":\"\1\",\"announces\":\2,\"mac\":\"\1\",\"driver\":\"" DRIVER_KIND
                            "\",\"ts\":\"\1\"\3}";
  static const char *const duplex[] = {"half", "full", "unknown"};
  char num[12], speed[12], mac[18];
  const uint32_t nums[] = {d->view.status, d->view.generation, d->view.mtu, d->view.announces};
  const char *strs[] = {d->view.carrier ? "true" : "false",
      d->view.speed == VNET_SPEED_UNKNOWN ? "-1" : dec(speed, d->view.speed),
      duplex[d->view.duplex < 2 ? d->view.duplex : 2], mac, d->view_ts};
  size_t n = 0, cap = sizeof node->out;
  int si = 0, ni = 0;
  mac[0] = '\0';
  for (int i = 0; d->view.has_mac && i < 6; i++) {
    mac[3 * i] = hexdig[d->view.mac[i] >> 4];
    mac[3 * i + 1] = hexdig[d->view.mac[i] & 15];
    mac[3 * i + 2] = i < 5 ? ':' : '\0';
  }
  for (const char *t = tpl; *t && n < cap; t++) {
    char piece[2] = {*t, '\0'};
    const char *s = *t == 1 ? strs[si++] : *t == 2 ? dec(num, nums[ni++]) : piece;
    if (*t == 3) {
      s = "";
      if (d->view_phy_ts[0]) {
        n = cat(node->out, n, cap, ",\"phyTs\":\"");
        n = cat(node->out, n, cap, d->view_phy_ts);
        s = "\"";
      }
    }
    n = cat(node->out, n, cap, s);
  }
  return n < cap ? (int)n : -1;
}

static void publish_view(vnet_node *node, vnet_device *d) {
  int n = encode_view(node, d);
  if (n > 0 && link_topic(node, d->info.instance)) {
    d->view_hash = hash_bytes(node->out, (size_t)n);
    node->ops.publish(node->user, node->topic, (const uint8_t *)node->out, (size_t)n, true);
  }
}

/* As DeviceChannel.publishIfChanged: a new view unless it shows the same link. */
static void copy_ts(char dst[VNET_TS_MAX], const char *src) {
  size_t l = src ? strlen(src) : 0;
  l = l < VNET_TS_MAX ? l : 0;
  memcpy(dst, src ? src : "", l);
  dst[l] = '\0';
}

static void publish_if_changed(vnet_node *node, vnet_device *d, const char *phy_ts) {
  bool same = d->has_view && d->view.carrier == d->carrier && d->view.status == d->status
      && d->view.generation == d->applied && d->view.mtu == d->mtu && d->view.speed == d->speed
      && d->view.duplex == d->duplex && d->view.announces == d->announce_acks && d->view.has_mac == d->has_mac
      && (!d->has_mac || memcmp(d->view.mac, d->mac, 6) == 0);
  if (same) {
    return;
  }
  d->has_view = true;
  d->view.carrier = d->carrier;
  d->view.status = d->status;
  d->view.generation = d->applied;
  d->view.mtu = d->mtu;
  d->view.speed = d->speed;
  d->view.duplex = d->duplex;
  d->view.announces = d->announce_acks;
  d->view.has_mac = d->has_mac;
  memcpy(d->view.mac, d->mac, 6);
  d->reasserts = 0;
  node->ops.now(node->user, d->view_ts, sizeof d->view_ts);
  d->view_ts[VNET_TS_MAX - 1] = '\0';
  copy_ts(d->view_phy_ts, phy_ts);
  publish_view(node, d);
}

/* --- applying a config (virtnet_config_changed_work) ---------------------------------------- */

/* phy_ts: the phyTs of the IRQ that announced this config, or NULL. */
static void apply(vnet_node *node, vnet_device *d, uint32_t gen, const vnet_config *c, const char *phy_ts) {
  char phy[VNET_TS_MAX];
  copy_ts(phy, phy_ts); /* phy_ts may be d->pending_phy_ts, cleared below */
  /* ConfigSequencer.applied */
  d->has_applied = true;
  d->applied = gen;
  if (d->has_pending && vnet_gen_at_or_after(gen, d->pending_irq)) {
    d->has_pending = false;
  }
  if (d->has_stored && !after(d->stored_gen, gen)) {
    d->has_stored = false;
  }
  if (!d->has_pending) {
    d->pending_phy_ts[0] = '\0';
  }
  d->configs_applied++;
  d->status = c->status;
  d->mtu = (d->negotiated & VNET_F_MTU) && c->mtu > 0 ? c->mtu : VNET_DEFAULT_MTU;
  if (d->negotiated & VNET_F_SPEED_DUPLEX) {
    d->speed = c->speed;
    d->duplex = c->duplex;
  }
  if (d->negotiated & VNET_F_MAC) {
    memcpy(d->mac, c->mac, 6);
    d->has_mac = true;
  }
  if ((c->status & VNET_S_ANNOUNCE) && (d->negotiated & VNET_F_GUEST_ANNOUNCE)
      && !(d->has_last_announce && d->last_announce_gen == gen)) {
    d->has_last_announce = true;
    d->last_announce_gen = gen;
    ack_announce(node, d);
  }
  bool carrier = !(d->negotiated & VNET_F_STATUS) || (c->status & VNET_S_LINK_UP);
  if (carrier != d->carrier) {
    d->carrier = carrier;
    node->carrier_changes++;
    if (node->ops.carrier) {
      node->ops.carrier(node->user, d->info.instance, carrier, gen);
    }
  }
  publish_if_changed(node, d, phy);
}

static void on_config(vnet_node *node, vnet_device *d, const char *topic, const uint8_t *p, size_t len,
                      bool retained) {
  uint32_t gen;
  vnet_config c;
  if (len == 0) {
    return; /* the retained config cleared (the device is being unplugged): no config to read */
  }
  vnet_err e = vnet_config_decode(p, len, &gen, &c);
  if (e != VNET_OK) {
    reject(node, topic, e);
    return;
  }
  if (retained) {
    /* a fresh subscription's read (probe or resync): at once, unless older than what is applied */
    if (!(d->has_applied && !vnet_gen_at_or_after(gen, d->applied))) {
      apply(node, d, gen, &c, d->has_pending ? d->pending_phy_ts : NULL);
    }
    return;
  }
  if (d->has_applied && !after(gen, d->applied)) {
    return; /* a duplicate or an old write */
  }
  if (!d->has_stored || after(gen, d->stored_gen)) {
    d->has_stored = true;
    d->stored_gen = gen;
    d->stored = c;
  }
  if (d->has_pending && vnet_gen_at_or_after(d->stored_gen, d->pending_irq)) {
    vnet_config s = d->stored;
    apply(node, d, d->stored_gen, &s, d->pending_phy_ts);
  }
}

static void on_irq_entry(vnet_node *node, vnet_device *d, const vnet_irq *irq) {
  d->irqs++;
  if (!(irq->isr & VNET_ISR_CONFIG)) {
    return;
  }
  if (d->has_stored && vnet_gen_at_or_after(d->stored_gen, irq->generation)) {
    vnet_config s = d->stored;
    apply(node, d, d->stored_gen, &s, irq->phy_ts_text);
    return;
  }
  if (d->has_applied && vnet_gen_at_or_after(d->applied, irq->generation)) {
    return; /* already showing that generation or a later one */
  }
  if (!d->has_pending || after(irq->generation, d->pending_irq)) {
    d->has_pending = true;
    d->pending_irq = irq->generation;
  }
  if (d->pending_irq == irq->generation) {
    copy_ts(d->pending_phy_ts, irq->phy_ts_text);
  }
}

/* --- probe and remove ------------------------------------------------------------------------- */

static void remove_device(vnet_node *node, vnet_device *d) {
  if (topic3(node, "/virtio/", d->info.instance, "/config")) {
    node->ops.unsubscribe(node->user, node->topic);
  }
  if (link_topic(node, d->info.instance)) {
    node->ops.publish(node->user, node->topic, (const uint8_t *)"", 0, true); /* no retained garbage */
  }
  if (node->ops.probed) {
    node->ops.probed(node->user, d->info.instance, false, d->negotiated);
  }
  memset(d, 0, sizeof *d);
}

static vnet_err probe(vnet_node *node, const vnet_device_info *info) {
  vnet_device *d = NULL;
  for (int i = 0; i < VNET_MAX_DEVICES && !d; i++) {
    d = node->dev[i].used ? NULL : &node->dev[i];
  }
  if (!d) {
    return VNET_E_NO_ROOM;
  }
  memset(d, 0, sizeof *d);
  d->used = true;
  d->info = *info;
  d->negotiated = vnet_negotiate(info->device_features, node->driver_features);
  /* as virtnet_probe: carrier off until the config says otherwise; without STATUS always up */
  d->carrier = !(d->negotiated & VNET_F_STATUS);
  d->mtu = VNET_DEFAULT_MTU;
  d->speed = VNET_SPEED_UNKNOWN;
  d->duplex = 0xFF;
  if (node->ops.probed) {
    node->ops.probed(node->user, info->instance, true, d->negotiated);
  }
  /* the config subscription's retained message is the probe-time config read; then DRIVER_OK */
  if (topic3(node, "/virtio/", info->instance, "/config")) {
    node->ops.subscribe(node->user, node->topic);
  }
  if (d->used) { /* a callback may have removed it */
    send_driver_features(node, d);
  }
  return VNET_OK;
}

static bool same_device(const vnet_device_info *a, const vnet_device_info *b) {
  return a->cpu == b->cpu && a->irq == b->irq && a->device_features == b->device_features
      && strcmp(a->phy, b->phy) == 0 && strcmp(a->agent, b->agent) == 0 && a->has_frontend == b->has_frontend
      && a->frontend_hash == b->frontend_hash;
}

/* The device topics, as DeviceDirectory: probe, hot-unplug, move, or (republished unchanged) redeclare. */
static vnet_err on_device(vnet_node *node, const char *topic, const char *instance, const uint8_t *p, size_t len,
                          bool retained) {
  vnet_device *d = find(node, instance);
  if (len == 0) {
    if (d && node->ops.reread && !d->gone_pending) {
      /* a live "gone" counts only if the retained store agrees (a real unplug cleared it first) */
      d->gone_pending = true;
      node->ops.reread(node->user, topic);
    } else if (d && !node->ops.reread) {
      remove_device(node, d);
    }
    return VNET_OK;
  }
  vnet_device_info info;
  vnet_err e = vnet_device_decode(&node->doc, p, len, &info);
  if (e == VNET_OK && strcmp(info.instance, instance) != 0) {
    e = VNET_E_INSTANCE_MISMATCH;
  }
  if (e != VNET_OK) {
    reject(node, topic, e);
    return e;
  }
  /* a QEMU/libvirt binding is another driver's device: not ours to drive */
  bool ours = info.cpu == node->cpu && !info.has_frontend;
  if (d) {
    d->gone_pending = false; /* the store holds a device: the live "gone" was not the truth */
  }
  if (d && ours && same_device(&d->info, &info)) {
    if (!retained) {
      send_driver_features(node, d); /* the backend (re)started and lost DRIVER_OK */
    }
    return VNET_OK;
  }
  if (d) {
    remove_device(node, d);
  }
  if (ours && (e = probe(node, &info)) != VNET_OK) {
    reject(node, topic, e);
  }
  return e;
}

static void reread_devices(vnet_node *node) {
  if (topic3(node, "/virtio/+/device", "", "")) {
    node->ops.unsubscribe(node->user, node->topic);
    node->ops.subscribe(node->user, node->topic);
  }
}

static vnet_err on_irq(vnet_node *node, const char *topic, const uint8_t *p, size_t len) {
  int count;
  vnet_err e = vnet_irq_decode(&node->doc, p, len, &count);
  if (e != VNET_OK) {
    reject(node, topic, e);
    return e;
  }
  bool unknown = false;
  for (int i = 0; i < count; i++) {
    vnet_irq irq;
    vnet_irq_get(&node->doc, i, &irq);
    vnet_device *d = find(node, irq.instance);
    if (!d || d->info.irq != irq.irq) {
      reject(node, topic, VNET_E_UNKNOWN_IRQ);
      unknown = unknown || !d;
      continue;
    }
    on_irq_entry(node, d, &irq);
  }
  if (unknown) {
    reread_devices(node); /* an IRQ for a device this CPU does not know: re-read the devices */
  }
  return VNET_OK;
}

#define MAX_REASSERTS 3

/*
 * Someone else wrote our retained view (or cleared it): re-assert ours, as its owner. Past
 * MAX_REASSERTS without a change of our own, another owner is writing it too (two frontends on one
 * CPU): report the conflict once and back off until our view changes or we reconnect.
 */
static void on_link(vnet_node *node, const char *topic, const char *instance, const uint8_t *p, size_t len) {
  vnet_device *d = find(node, instance);
  if (d && d->has_view && (len == 0 || hash_bytes((const char *)p, len) != d->view_hash)) {
    if (d->reasserts < MAX_REASSERTS) {
      d->reasserts++;
      publish_view(node, d);
    } else if (d->reasserts == MAX_REASSERTS) {
      d->reasserts++;
      reject(node, topic, VNET_E_CONFLICT);
    }
  }
}

/* Splits prefix/a/b/c into levels; returns the number of levels after the prefix (max 4). */
static int split(const vnet_node *node, const char *topic, const char *lv[4], size_t ll[4]) {
  size_t pl = strlen(node->prefix);
  if (strncmp(topic, node->prefix, pl) != 0 || topic[pl] != '/') {
    return 0;
  }
  const char *s = topic + pl + 1;
  int n = 0;
  for (;;) {
    const char *slash = strchr(s, '/');
    if (n == 4) {
      return 5;
    }
    lv[n] = s;
    ll[n] = slash ? (size_t)(slash - s) : strlen(s);
    n++;
    if (!slash) {
      return n;
    }
    s = slash + 1;
  }
}

static bool level_is(const char *l, size_t n, const char *s) { return strlen(s) == n && memcmp(l, s, n) == 0; }

/* A topic's cpu level, as Topics.parseCpu: 1-4 digits (else invalid-name), then 0..4095 (else out-of-range). */
static vnet_err cpu_level(const char *l, size_t n, unsigned *cpu) {
  if (n == 0 || n > 4) {
    return VNET_E_INVALID_NAME;
  }
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (l[i] < '0' || l[i] > '9') {
      return VNET_E_INVALID_NAME;
    }
    v = v * 10 + (unsigned)(l[i] - '0');
  }
  *cpu = v;
  return v <= 4095 ? VNET_OK : VNET_E_OUT_OF_RANGE;
}

vnet_err vnet_node_on_message(vnet_node *node, const char *topic, const uint8_t *payload, size_t len,
                              bool retained) {
  const char *lv[4];
  size_t ll[4];
  char instance[VNET_NAME_MAX + 1];
  int n = split(node, topic, lv, ll);
  unsigned cpu;
  if (n == 3 && level_is(lv[0], ll[0], "virtio")) {
    if (!vnet_instance_name_valid(lv[1], ll[1])) {
      reject(node, topic, VNET_E_INVALID_NAME);
      return VNET_E_INVALID_NAME;
    }
    memcpy(instance, lv[1], ll[1]);
    instance[ll[1]] = '\0';
    if (level_is(lv[2], ll[2], "device")) {
      return on_device(node, topic, instance, payload, len, retained);
    }
    vnet_device *d = find(node, instance);
    if (d && level_is(lv[2], ll[2], "config")) {
      on_config(node, d, topic, payload, len, retained);
    }
    return VNET_OK;
  }
  if (n >= 3 && level_is(lv[0], ll[0], "rtos")) {
    vnet_err e = cpu_level(lv[1], ll[1], &cpu);
    if (e != VNET_OK) {
      reject(node, topic, e);
      return e;
    }
    if (cpu != node->cpu) {
      return VNET_OK;
    }
    if (n == 3 && level_is(lv[2], ll[2], "irq")) {
      return on_irq(node, topic, payload, len);
    }
    if (n == 4 && level_is(lv[3], ll[3], "link") && vnet_instance_name_valid(lv[2], ll[2])) {
      memcpy(instance, lv[2], ll[2]);
      instance[ll[2]] = '\0';
      on_link(node, topic, instance, payload, len);
    }
  }
  return VNET_OK;
}

void vnet_node_reread_done(vnet_node *node, const char *topic) {
  const char *lv[4];
  size_t ll[4];
  char instance[VNET_NAME_MAX + 1];
  if (split(node, topic, lv, ll) == 3 && level_is(lv[0], ll[0], "virtio") && level_is(lv[2], ll[2], "device")
      && vnet_instance_name_valid(lv[1], ll[1])) {
    memcpy(instance, lv[1], ll[1]);
    instance[ll[1]] = '\0';
    vnet_device *d = find(node, instance);
    if (d && d->gone_pending) {
      remove_device(node, d);
    }
  }
}

void vnet_node_on_connected(vnet_node *node) {
  if (cpu_topic(node, "/irq", "")) {
    node->ops.subscribe(node->user, node->topic);
  }
  if (cpu_topic(node, "/+/link", "")) {
    node->ops.subscribe(node->user, node->topic);
  }
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    vnet_device *d = &node->dev[i];
    if (!d->used) {
      continue;
    }
    if (topic3(node, "/virtio/", d->info.instance, "/config")) {
      node->ops.subscribe(node->user, node->topic);
    }
    send_driver_features(node, d); /* the backend may have restarted and lost DRIVER_OK */
    if (d->has_view) {
      d->reasserts = 0;
      publish_view(node, d); /* the broker may have lost its retained store */
    }
  }
  if (topic3(node, "/virtio/+/device", "", "")) {
    node->ops.subscribe(node->user, node->topic);
  }
}

void vnet_node_remove_all(vnet_node *node) {
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    if (node->dev[i].used) {
      remove_device(node, &node->dev[i]);
    }
  }
}
