/*
 * The driver of one RTOS CPU, after Linux drivers/net/virtio_net.c and the Java reference
 * (DeviceDirectory, RtosCpuVerticle, DeviceChannel, ConfigSequencer, VirtioNetDriver): discovers its
 * devices from the retained device topics, negotiates features, declares DRIVER_OK, applies a config
 * only once the IRQ announcing it (or a later one) was handled, answers ANNOUNCE and publishes its view.
 */
#include "vnet_json.h"

#include <stddef.h>
#include <string.h>

#define DRIVER_KIND "c"
#define FNV_BASIS 2166136261u

/* vnet_link is compared with memcmp: its members fill it, no padding byte of unknown value */
typedef char vnet_link_unpadded[sizeof(vnet_link) == 3 * 4 + 2 * 2 + 6 + 1 + 2 + 3 ? 1 : -1];
/* nor vnet_device_info from device_features to has_frontend */
#define INFO_COMPARED (offsetof(vnet_device_info, has_frontend) + 1 - offsetof(vnet_device_info, device_features))
typedef char vnet_info_unpadded[INFO_COMPARED == 8 + VNET_IFNAME_MAX + 1 + VNET_NAME_MAX + 1 + 2 + 2 + 1 ? 1 : -1];

/* Templates of fill: S takes the next string, N the next number (in decimal), SPEED too but -1 for
   VNET_SPEED_UNKNOWN (as Java's int). */
#define S "\1"
#define N "\2"
#define SPEED "\3"
#define T_CTRL S "/virtio/" S "/ctrl"
#define T_CONFIG S "/virtio/" S "/config"
#define T_DEVICES S "/virtio/+/device"
#define T_LINK S "/rtos/" N "/" S "/link"

/* a is strictly after b in serial-number order */
static bool after(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

/* The decimal digits of v, at the end of buf (no printf on a small target). */
static const char *dec(char buf[12], uint32_t v) {
  char *p = buf + 11;
  *p = '\0';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

/* Expands tpl (S, N) into out[cap] with its NUL; the length, or cap when it does not fit. */
static size_t fill(char *out, size_t cap, const char *tpl, const char *const *strs, const uint32_t *nums) {
  size_t n = 0;
  for (; *tpl; tpl++) {
    char num[12], one[2] = {*tpl, '\0'};
    const char *s = one;
    if (*tpl == *S) {
      s = *strs++;
    } else if (*tpl == *N || *tpl == *SPEED) {
      uint32_t v = *nums++;
      s = *tpl == *SPEED && v == VNET_SPEED_UNKNOWN ? "-1" : dec(num, v);
    }
    n = vnet_append(out, cap, n, s);
  }
  return n;
}

/* prefix + tpl into node->topic, S being the prefix and then instance, N the cpu; false if too long. */
static bool set_topic(vnet_node *node, const char *tpl, const char *instance) {
  const char *strs[] = {node->prefix, instance};
  const uint32_t cpu = node->cpu;
  return fill(node->topic, sizeof node->topic, tpl, strs, &cpu) < sizeof node->topic;
}

static void subscribe(vnet_node *node, const char *tpl, const char *instance) {
  if (set_topic(node, tpl, instance)) {
    node->ops.subscribe(node->user, node->topic);
  }
}

/* Publishes out[0, n) on node->topic; n < 0 (an encoder's "does not fit") publishes nothing. */
static void publish(vnet_node *node, const char *out, int n, bool retained) {
  if (n >= 0) {
    node->ops.publish(node->user, node->topic, (const uint8_t *)out, (size_t)n, retained);
  }
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

/* String equality of a name held in a buffer of VNET_NAME_MAX + 1 (NUL-terminated) and any string. */
static bool same_name(const char *held, const char *s) { return strncmp(held, s, VNET_NAME_MAX + 1) == 0; }

const vnet_device *vnet_node_find(const vnet_node *node, const char *instance) {
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    if (node->dev[i].used && same_name(node->dev[i].info.instance, instance)) {
      return &node->dev[i];
    }
  }
  return NULL;
}

static vnet_device *find(vnet_node *node, const char *instance) {
  return (vnet_device *)(uintptr_t)vnet_node_find(node, instance);
}

/* --- ctrl and the view ------------------------------------------------------------------------- */

/* DRIVER_OK with the negotiated features, or (announce) ANNOUNCE_ACK, on the device's ctrl topic. */
static void send_ctrl(vnet_node *node, vnet_device *d, bool announce) {
  int n = announce ? vnet_ctrl_encode_announce_ack(node->out, sizeof node->out)
                   : vnet_ctrl_encode_features(node->out, sizeof node->out, d->negotiated);
  if (set_topic(node, T_CTRL, d->info.instance)) {
    publish(node, node->out, n, false);
  }
}

static void publish_view(vnet_node *node, vnet_device *d) {
  /* as LinkView.toJson writes it, keys in the same order; its ts is the view's own */
  static const char tpl[] = "{\"carrier\":" S ",\"status\":" N ",\"generation\":" N ",\"mtu\":" N ",\"speed\":" SPEED
                            ",\"duplex\":\"" S "\",\"announces\":" N ",\"mac\":\"" S "\",\"driver\":\"" DRIVER_KIND
                            "\",\"ts\":\"" S "\"" S S S "}";
  static const char *const duplex[] = {"half", "full", "unknown"};
  static const char hexdig[] = "0123456789abcdef";
  const vnet_link *v = &d->view;
  char mac[18] = "";
  bool phy = d->view_phy_ts[0] != '\0';
  const uint32_t nums[] = {v->status, v->generation, v->mtu, v->speed, v->announces};
  const char *strs[] = {v->carrier ? "true" : "false", duplex[v->duplex < 2 ? v->duplex : 2], mac, d->view_ts,
      phy ? ",\"phyTs\":\"" : "", d->view_phy_ts, phy ? "\"" : ""};
  for (int i = 0; v->has_mac && i < 6; i++) {
    mac[3 * i] = hexdig[v->mac[i] >> 4];
    mac[3 * i + 1] = hexdig[v->mac[i] & 15];
    mac[3 * i + 2] = i < 5 ? ':' : '\0';
  }
  size_t n = fill(node->out, sizeof node->out, tpl, strs, nums);
  if (n < sizeof node->out && set_topic(node, T_LINK, d->info.instance)) {
    d->view_hash = vnet_fnv1a(FNV_BASIS, node->out, n);
    publish(node, node->out, (int)n, true);
  }
}

/* src: "" or a phyTs held in a buffer of VNET_TS_MAX (NUL-terminated) */
static void copy_ts(char dst[VNET_TS_MAX], const char *src) { memcpy(dst, src, strlen(src) + 1); }

/* As DeviceChannel.publishIfChanged: a new view unless it shows the same link. */
static void publish_if_changed(vnet_node *node, vnet_device *d, const char *phy_ts) {
  if (d->has_view && memcmp(&d->view, &d->link, sizeof d->link) == 0) {
    return;
  }
  d->has_view = true;
  memcpy(&d->view, &d->link, sizeof d->link);
  d->reasserts = 0;
  node->ops.now(node->user, d->view_ts, sizeof d->view_ts);
  d->view_ts[VNET_TS_MAX - 1] = '\0';
  copy_ts(d->view_phy_ts, phy_ts);
  publish_view(node, d);
}

/* --- applying a config (virtnet_config_changed_work) ---------------------------------------- */

/*
 * phy_ts: the phyTs of the IRQ that announced this config, or "". c is read before any callback runs,
 * so it may be d->stored.
 */
static void apply(vnet_node *node, vnet_device *d, uint32_t gen, const vnet_config *c, const char *phy_ts) {
  vnet_link *l = &d->link;
  const uint64_t f = d->negotiated;
  bool announce = (c->status & VNET_S_ANNOUNCE) && (f & VNET_F_GUEST_ANNOUNCE)
      && !(d->has_last_announce && d->last_announce_gen == gen);
  bool carrier = !(f & VNET_F_STATUS) || (c->status & VNET_S_LINK_UP);
  /* ConfigSequencer.applied */
  d->has_applied = true;
  d->applied = gen;
  if (d->has_pending && vnet_gen_at_or_after(gen, d->pending_irq)) {
    d->has_pending = false;
  }
  if (d->has_stored && !after(d->stored_gen, gen)) {
    d->has_stored = false;
  }
  l->generation = gen;
  l->status = c->status;
  l->mtu = (f & VNET_F_MTU) && c->mtu > 0 ? c->mtu : VNET_DEFAULT_MTU;
  if (f & VNET_F_SPEED_DUPLEX) {
    l->speed = c->speed;
    l->duplex = c->duplex;
  }
  if (f & VNET_F_MAC) {
    memcpy(l->mac, c->mac, 6);
    l->has_mac = true;
  }
  if (announce) {
    d->has_last_announce = true;
    d->last_announce_gen = gen;
    l->announces++;
    send_ctrl(node, d, true);
  }
  if (carrier != l->carrier) {
    l->carrier = carrier;
    node->carrier_changes++;
    if (node->ops.carrier) {
      node->ops.carrier(node->user, d->info.instance, carrier, gen);
    }
  }
  publish_if_changed(node, d, phy_ts);
  if (!d->has_pending) {
    d->pending_phy_ts[0] = '\0'; /* after the view took phy_ts, which may be this */
  }
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
  } else if (retained) {
    /* a fresh subscription's read (probe or resync): at once, unless older than what is applied */
    if (!d->has_applied || vnet_gen_at_or_after(gen, d->applied)) {
      apply(node, d, gen, &c, d->has_pending ? d->pending_phy_ts : "");
    }
  } else if (!d->has_applied || after(gen, d->applied)) { /* else a duplicate or an old write */
    if (!d->has_stored || after(gen, d->stored_gen)) {
      d->has_stored = true;
      d->stored_gen = gen;
      d->stored = c;
    }
    if (d->has_pending && vnet_gen_at_or_after(d->stored_gen, d->pending_irq)) {
      apply(node, d, d->stored_gen, &d->stored, d->pending_phy_ts);
    }
  }
}

static void on_irq_entry(vnet_node *node, vnet_device *d, const vnet_irq *irq) {
  if (!(irq->isr & VNET_ISR_CONFIG)) {
    return;
  }
  if (d->has_stored && vnet_gen_at_or_after(d->stored_gen, irq->generation)) {
    apply(node, d, d->stored_gen, &d->stored, irq->phy_ts_text);
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
  if (set_topic(node, T_CONFIG, d->info.instance)) {
    node->ops.unsubscribe(node->user, node->topic);
  }
  if (set_topic(node, T_LINK, d->info.instance)) {
    publish(node, "", 0, true); /* no retained garbage */
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
  d->used = true; /* a free slot is all zero: vnet_node_init and remove_device clear it */
  d->info = *info;
  d->negotiated = vnet_negotiate(info->device_features, node->driver_features);
  /* as virtnet_probe: carrier off until the config says otherwise; without STATUS always up */
  d->link.carrier = !(d->negotiated & VNET_F_STATUS);
  d->link.mtu = VNET_DEFAULT_MTU;
  d->link.speed = VNET_SPEED_UNKNOWN;
  d->link.duplex = 0xFF;
  if (node->ops.probed) {
    node->ops.probed(node->user, info->instance, true, d->negotiated);
  }
  /* the config subscription's retained message is the probe-time config read; then DRIVER_OK */
  subscribe(node, T_CONFIG, info->instance);
  if (d->used) { /* a callback may have removed it */
    send_ctrl(node, d, false);
  }
  return VNET_OK;
}

/* All but the instance: device_features to has_frontend, which has no padding (checked above). */
static bool same_device(const vnet_device_info *a, const vnet_device_info *b) {
  return memcmp(&a->device_features, &b->device_features, INFO_COMPARED) == 0;
}

/* The device topics, as DeviceDirectory: probe, hot-unplug, move, or (republished unchanged) redeclare. */
static vnet_err on_device(vnet_node *node, const char *topic, const char *instance, const uint8_t *p, size_t len,
                          bool retained) {
  vnet_device *d = find(node, instance);
  if (len == 0) {
    if (d && !node->ops.reread) {
      remove_device(node, d);
    } else if (d && !d->gone_pending) {
      /* a live "gone" counts only if the retained store agrees (a real unplug cleared it first) */
      d->gone_pending = true;
      node->ops.reread(node->user, topic);
    }
    return VNET_OK;
  }
  vnet_device_info info;
  vnet_err e = vnet_device_decode(&node->doc, p, len, &info);
  if (e != VNET_OK || !same_name(info.instance, instance)) {
    return e != VNET_OK ? e : VNET_E_INSTANCE_MISMATCH;
  }
  /* a QEMU/libvirt binding is another driver's device: not ours to drive */
  bool ours = info.cpu == node->cpu && !info.has_frontend;
  if (d) {
    d->gone_pending = false; /* the store holds a device: the live "gone" was not the truth */
    if (ours && same_device(&d->info, &info)) {
      if (!retained) {
        send_ctrl(node, d, false); /* the backend (re)started and lost DRIVER_OK */
      }
      return VNET_OK;
    }
    remove_device(node, d);
  }
  return ours ? probe(node, &info) : VNET_OK;
}

static vnet_err on_irq(vnet_node *node, const char *topic, const uint8_t *p, size_t len) {
  int count;
  bool unknown = false;
  vnet_err e = vnet_irq_decode(&node->doc, p, len, &count);
  for (int i = 0; e == VNET_OK && i < count; i++) {
    vnet_irq irq;
    vnet_irq_get(&node->doc, i, &irq);
    vnet_device *d = find(node, irq.instance);
    if (d && d->info.irq == irq.irq) {
      on_irq_entry(node, d, &irq);
    } else {
      reject(node, topic, VNET_E_UNKNOWN_IRQ);
      unknown = unknown || !d;
    }
  }
  if (unknown && set_topic(node, T_DEVICES, "")) {
    /* an IRQ for a device this CPU does not know: re-read the devices */
    node->ops.unsubscribe(node->user, node->topic);
    node->ops.subscribe(node->user, node->topic);
  }
  return e;
}

#define MAX_REASSERTS 3

/*
 * Someone else wrote our retained view (or cleared it): re-assert ours, as its owner. Past
 * MAX_REASSERTS without a change of our own, another owner is writing it too (two frontends on one
 * CPU): report the conflict once and back off until our view changes or we reconnect.
 */
static void on_link(vnet_node *node, const char *topic, const char *instance, const uint8_t *p, size_t len) {
  vnet_device *d = find(node, instance);
  if (d && d->has_view && (len == 0 || vnet_fnv1a(FNV_BASIS, (const char *)p, len) != d->view_hash)) {
    if (d->reasserts <= MAX_REASSERTS) { /* past it (backed off): nothing */
      if (d->reasserts++ < MAX_REASSERTS) {
        publish_view(node, d);
      } else {
        reject(node, topic, VNET_E_CONFLICT);
      }
    }
  }
}

/* The topic levels the driver tells apart: a level's keyword, or K_OTHER. */
enum { K_OTHER, K_VIRTIO, K_RTOS, K_DEVICE, K_CONFIG, K_IRQ, K_LINK };

/*
 * Splits prefix/a/b/c into levels (start, length, keyword); returns the number of levels after the
 * prefix (5: more than 4), 0 without the prefix.
 */
static int split(const vnet_node *node, const char *topic, const char *lv[4], size_t ll[4], int kw[4]) {
  static const char *const keywords[] = {"", "virtio", "rtos", "device", "config", "irq", "link"};
  size_t pl = strlen(node->prefix);
  int n = 0;
  if (strncmp(topic, node->prefix, pl) != 0 || topic[pl] != '/') {
    return 0;
  }
  for (const char *s = topic + pl; *s; n++) { /* s at a '/' */
    if (n == 4) {
      return 5;
    }
    lv[n] = ++s;
    while (*s && *s != '/') {
      s++;
    }
    ll[n] = (size_t)(s - lv[n]);
    kw[n] = K_LINK;
    while (kw[n] > K_OTHER && !(strncmp(lv[n], keywords[kw[n]], ll[n]) == 0 && keywords[kw[n]][ll[n]] == '\0')) {
      kw[n]--;
    }
  }
  return n;
}

/* A topic's instance level into instance[VNET_NAME_MAX + 1]; false if not a valid name. */
static bool instance_of(char *instance, const char *l, size_t n) {
  if (!vnet_instance_name_valid(l, n)) {
    return false;
  }
  memcpy(instance, l, n);
  instance[n] = '\0';
  return true;
}

/* A topic's cpu level, as Topics.parseCpu: 1-4 digits (else invalid-name), then 0..4095 (else out-of-range). */
static vnet_err cpu_level(const char *l, size_t n, unsigned *cpu) {
  int32_t v = n >= 1 && n <= 4 ? vnet_digits(l, n) : -1;
  *cpu = (unsigned)v;
  return v < 0 ? VNET_E_INVALID_NAME : v <= 4095 ? VNET_OK : VNET_E_OUT_OF_RANGE;
}

vnet_err vnet_node_on_message(vnet_node *node, const char *topic, const uint8_t *payload, size_t len,
                              bool retained) {
  const char *lv[4];
  size_t ll[4];
  int kw[4];
  char instance[VNET_NAME_MAX + 1];
  int n = split(node, topic, lv, ll, kw);
  unsigned cpu;
  vnet_err e = VNET_OK;
  vnet_device *d;
  if (n == 3 && kw[0] == K_VIRTIO) {
    if (!instance_of(instance, lv[1], ll[1])) {
      e = VNET_E_INVALID_NAME;
    } else if (kw[2] == K_DEVICE) {
      e = on_device(node, topic, instance, payload, len, retained);
    } else if (kw[2] == K_CONFIG && (d = find(node, instance)) != NULL) {
      on_config(node, d, topic, payload, len, retained);
    }
  } else if (n >= 3 && kw[0] == K_RTOS && (e = cpu_level(lv[1], ll[1], &cpu)) == VNET_OK
             && cpu == node->cpu) {
    if (n == 3 && kw[2] == K_IRQ) {
      e = on_irq(node, topic, payload, len);
    } else if (n == 4 && kw[3] == K_LINK && instance_of(instance, lv[2], ll[2])) {
      on_link(node, topic, instance, payload, len);
    }
  }
  if (e != VNET_OK) {
    reject(node, topic, e);
  }
  return e;
}

void vnet_node_reread_done(vnet_node *node, const char *topic) {
  const char *lv[4];
  size_t ll[4];
  int kw[4];
  char instance[VNET_NAME_MAX + 1];
  vnet_device *d;
  if (split(node, topic, lv, ll, kw) == 3 && kw[0] == K_VIRTIO && kw[2] == K_DEVICE
      && instance_of(instance, lv[1], ll[1]) && (d = find(node, instance)) != NULL && d->gone_pending) {
    remove_device(node, d);
  }
}

void vnet_node_on_connected(vnet_node *node) {
  subscribe(node, S "/rtos/" N "/irq", "");
  subscribe(node, S "/rtos/" N "/+/link", "");
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    vnet_device *d = &node->dev[i];
    if (!d->used) {
      continue;
    }
    subscribe(node, T_CONFIG, d->info.instance);
    send_ctrl(node, d, false); /* the backend may have restarted and lost DRIVER_OK */
    if (d->has_view) {
      d->reasserts = 0;
      publish_view(node, d); /* the broker may have lost its retained store */
    }
  }
  subscribe(node, T_DEVICES, "");
}

void vnet_node_remove_all(vnet_node *node) {
  for (int i = 0; i < VNET_MAX_DEVICES; i++) {
    if (node->dev[i].used) {
      remove_device(node, &node->dev[i]);
    }
  }
}
