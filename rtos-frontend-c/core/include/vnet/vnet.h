/*
 * vnet: the RTOS side of the virtnet-carrier wire contract (docs/contract.md, revision 2) in C99.
 * Portable core: no OS include, no heap, no threads. The caller owns every buffer (one vnet_node per
 * RTOS CPU) and hands in MQTT messages; the core answers through the callbacks of vnet_ops.
 */
#ifndef VNET_H
#define VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes; override with -D at build time. */
#ifndef VNET_MAX_DEVICES
#define VNET_MAX_DEVICES 4 /* devices one RTOS CPU can drive */
#endif
#ifndef VNET_JSON_MAX_TOKENS
/* jsmn tokens per message (16 bytes each): 128 take an irq list of 11 entries; the POSIX build uses 4096,
 * enough for the contract's 256 entries. A message that needs more is refused as too-complex. */
#define VNET_JSON_MAX_TOKENS 128
#endif
#define VNET_MAX_PAYLOAD 4096    /* the contract's payload cap */
#define VNET_IRQ_MAX_PAYLOAD 40960 /* the irq topic's cap: up to VNET_IRQ_MAX_ENTRIES of ~150 bytes */
#define VNET_IRQ_MAX_ENTRIES 256
#define VNET_NAME_MAX 63         /* [a-z0-9][a-z0-9._-]{0,62} */
#define VNET_IFNAME_MAX 15       /* dev_valid_name: IFNAMSIZ - 1 bytes */
#define VNET_PREFIX_MAX 31
#define VNET_TOPIC_MAX (VNET_PREFIX_MAX + VNET_NAME_MAX + 24)
#define VNET_OUT_MAX 384         /* the largest payload the core emits (a link view) */
#define VNET_TS_MAX 48           /* an ISO-8601 instant as text, with its NUL */
#define VNET_CONFIG_SIZE 24
#define VNET_CONFIG_WIRE_SIZE 28 /* u32le generation + virtio_net_config */

/* virtio-net feature bits (VIRTIO 1.2 §5.1.3) as masks. */
#define VNET_F_MTU (UINT64_C(1) << 3)
#define VNET_F_MAC (UINT64_C(1) << 5)
#define VNET_F_STATUS (UINT64_C(1) << 16)
#define VNET_F_CTRL_VQ (UINT64_C(1) << 17)
#define VNET_F_GUEST_ANNOUNCE (UINT64_C(1) << 21)
#define VNET_F_VERSION_1 (UINT64_C(1) << 32)
#define VNET_F_SPEED_DUPLEX (UINT64_C(1) << 63)
#define VNET_F_ALL (VNET_F_MTU | VNET_F_MAC | VNET_F_STATUS | VNET_F_CTRL_VQ | VNET_F_GUEST_ANNOUNCE \
                    | VNET_F_VERSION_1 | VNET_F_SPEED_DUPLEX)

#define VNET_S_LINK_UP 1u
#define VNET_S_ANNOUNCE 2u
#define VNET_ISR_CONFIG 2u
#define VNET_SPEED_UNKNOWN UINT32_C(0xFFFFFFFF)
#define VNET_DEFAULT_MTU 1500u

/* Why a message was refused; vnet_err_name gives the contract's reason label. */
typedef enum {
  VNET_OK = 0,
  VNET_E_EMPTY,             /* "empty" */
  VNET_E_OVERSIZE,          /* "oversize" */
  VNET_E_BAD_UTF8,          /* "bad-utf8" */
  VNET_E_MALFORMED_JSON,    /* "malformed-json" */
  VNET_E_SCHEMA_VERSION,    /* "schema-version": v present and not 1 */
  VNET_E_MISSING_FIELD,     /* "missing-field" */
  VNET_E_WRONG_TYPE,        /* "wrong-type" */
  VNET_E_OUT_OF_RANGE,      /* "out-of-range" */
  VNET_E_UNKNOWN_VALUE,     /* "unknown-value" */
  VNET_E_INVALID_NAME,      /* "invalid-name" */
  VNET_E_WRONG_SIZE,        /* "wrong-size": a config that is not 28 bytes */
  VNET_E_INSTANCE_MISMATCH, /* "instance-mismatch": device names another instance than its topic */
  VNET_E_UNKNOWN_IRQ,       /* "unknown-irq": no driver for that instance and irq on this CPU */
  VNET_E_TOO_COMPLEX,       /* "too-complex": more JSON tokens than VNET_JSON_MAX_TOKENS (C only) */
  VNET_E_NO_ROOM,           /* "no-room": VNET_MAX_DEVICES devices already (C only) */
  VNET_E_BUFFER,            /* "buffer": an output buffer is too small */
  VNET_E_CONFLICT           /* "conflict": another client keeps overwriting this driver's view */
} vnet_err;

const char *vnet_err_name(vnet_err e);

/* A point in time as java.time.Instant holds it. */
typedef struct {
  int64_t sec;
  uint32_t nsec;
} vnet_instant;

/* struct virtio_net_config (VIRTIO 1.2 §5.1.4), decoded from little-endian. */
typedef struct {
  uint8_t mac[6];
  uint16_t status;
  uint16_t max_virtqueue_pairs;
  uint16_t mtu;
  uint32_t speed;
  uint8_t duplex;
  uint8_t rss_max_key_size;
  uint16_t rss_max_indirection_table_length;
  uint32_t supported_hash_types;
} vnet_config;

/* One interrupt of an irq message (either form). */
typedef struct {
  uint16_t irq;
  uint8_t isr;
  uint32_t generation;
  bool has_phy_ts;
  vnet_instant phy_ts;
  char phy_ts_text[VNET_TS_MAX]; /* as received (validated), for the view */
  char instance[VNET_NAME_MAX + 1];
} vnet_irq;

/* A device as published on vnet/virtio/{instance}/device. */
typedef struct {
  char instance[VNET_NAME_MAX + 1];
  /* device_features to has_frontend: no padding, strings NUL-filled (the decoder clears the struct
     first), so the driver tells a republished device from a changed one with one memcmp */
  uint64_t device_features;
  char phy[VNET_IFNAME_MAX + 1];
  char agent[VNET_NAME_MAX + 1];
  uint16_t cpu;
  uint16_t irq;
  bool has_frontend; /* a QEMU/libvirt binding: another driver's device, not probed */
} vnet_device_info;

/* --- codecs (pure functions) ------------------------------------------------------------------ */

/* Decodes the 28-byte config message. */
vnet_err vnet_config_decode(const uint8_t *buf, size_t len, uint32_t *generation, vnet_config *out);

/* RFC 1982 serial-number order of u32 generations: a is at or after b. */
static inline bool vnet_gen_at_or_after(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Name rules (docs/contract.md §6). */
bool vnet_instance_name_valid(const char *name, size_t len);
bool vnet_ifname_valid(const char *name, size_t len);

/* Parsing a JSON payload keeps its tokens here (VNET_JSON_MAX_TOKENS * 16 bytes). */
typedef struct {
  const char *js;
  size_t len;
  int count;
  struct vnet_tok {
    int type, start, end, size;
  } tok[VNET_JSON_MAX_TOKENS];
} vnet_json;

/*
 * An irq message: validates all of it (list form {"v":1,"irqs":[…],"ts":…} or the single form);
 * then vnet_irq_get(doc, i, out) reads entry i of *count.
 */
vnet_err vnet_irq_decode(vnet_json *doc, const uint8_t *payload, size_t len, int *count);
vnet_err vnet_irq_get(const vnet_json *doc, int index, vnet_irq *out);

vnet_err vnet_device_decode(vnet_json *doc, const uint8_t *payload, size_t len, vnet_device_info *out);

/* A ctrl message; *is_features tells which form: driverFeatures (in *features) or class/cmd. */
vnet_err vnet_ctrl_decode(vnet_json *doc, const uint8_t *payload, size_t len, bool *is_features,
                          uint64_t *features, int *ctrl_class, int *cmd);

/* Encoders: write into out[cap], return the length, or -1 when it does not fit. */
int vnet_ctrl_encode_features(char *out, size_t cap, uint64_t features);
int vnet_ctrl_encode_announce_ack(char *out, size_t cap);
int vnet_instant_format(char *out, size_t cap, vnet_instant t); /* as Instant.toString() */
bool vnet_instant_parse(const char *s, size_t len, vnet_instant *out);

/* Feature names: "STATUS" etc.; 0 for an unknown name. */
uint64_t vnet_feature_of_name(const char *name, size_t len);
/* Parses "STATUS,MTU,..." (case-sensitive, as the Java config); false on an unknown name. */
bool vnet_features_parse_list(const char *list, uint64_t *out);
/* What both sides accept; GUEST_ANNOUNCE needs CTRL_VQ. */
uint64_t vnet_negotiate(uint64_t device, uint64_t driver);

/* --- the driver ---------------------------------------------------------------------------------- */

typedef struct vnet_node vnet_node;

/* What the host RTOS provides. All calls come from vnet_node_* on the caller's thread. */
typedef struct {
  /* Publish at QoS 1; return 0 when queued. */
  int (*publish)(void *user, const char *topic, const uint8_t *payload, size_t len, bool retained);
  int (*subscribe)(void *user, const char *filter);
  int (*unsubscribe)(void *user, const char *filter);
  /* The current UTC time as ISO-8601 text, e.g. 2026-12-04T19:00:00.123456Z (the view's ts). */
  void (*now)(void *user, char *iso, size_t cap);
  /* The driver's carrier changed (netif_carrier_on/off). */
  void (*carrier)(void *user, const char *instance, bool on, uint32_t generation);
  /* Optional: a refused message (log line and counter). */
  void (*rejected)(void *user, const char *topic, vnet_err reason);
  /* Optional: a driver was probed (true) or removed (false). */
  void (*probed)(void *user, const char *instance, bool probed, uint64_t negotiated);
  /*
   * Optional, for the contract's "the retained store is the truth": re-read topic's retained message.
   * Subscribe to topic, hand what arrives to vnet_node_on_message as usual, then call
   * vnet_node_reread_done(node, topic) once nothing more can come (e.g. 1 s after the SUBACK), and
   * unsubscribe. Without it, a live empty device message removes the driver at once.
   */
  int (*reread)(void *user, const char *topic);
} vnet_ops;

/* What a link view shows: the config as last applied, as the driver reads it. No padding: compared with
   memcmp. */
typedef struct {
  uint32_t generation, speed, announces;
  uint16_t status, mtu;
  uint8_t mac[6];
  uint8_t duplex;
  bool carrier;
  bool has_mac;
  uint8_t reserved[3];
} vnet_link;

/* Per device: the driver's state (under 1 KiB; see sizeof in the README). */
typedef struct {
  bool used;
  bool has_view;
  bool has_stored, has_pending, has_applied, has_last_announce;
  bool gone_pending; /* a live empty device message waits for the retained store to agree */
  uint8_t reasserts; /* since the view last changed: past a few, another owner is writing (conflict) */
  vnet_device_info info;
  uint64_t negotiated;
  /* sequencing (ConfigSequencer) */
  uint32_t stored_gen, pending_irq, applied;
  vnet_config stored;
  /* the phyTs of the IRQ waiting for its config and of the view, and the view's ts ("" = none) */
  char pending_phy_ts[VNET_TS_MAX], view_phy_ts[VNET_TS_MAX], view_ts[VNET_TS_MAX];
  uint32_t last_announce_gen;
  vnet_link link; /* now */
  /* the view last published, and a hash of its bytes (to see it overwritten; re-asserting sends the
     same bytes, so a late echo of an older view cannot start a loop) */
  vnet_link view;
  uint32_t view_hash;
} vnet_device;

struct vnet_node {
  char prefix[VNET_PREFIX_MAX + 1];
  uint16_t cpu;
  uint64_t driver_features;
  vnet_ops ops;
  void *user;
  uint32_t rejected_total;
  uint32_t carrier_changes;
  vnet_device dev[VNET_MAX_DEVICES];
  /* scratch, reused per message */
  vnet_json doc;
  char topic[VNET_TOPIC_MAX + 1];
  char out[VNET_OUT_MAX];
};

/* Prepares a node for one RTOS CPU (cpu 0..4095, prefix e.g. "vnet"); false on bad arguments. */
bool vnet_node_init(vnet_node *node, const char *prefix, uint16_t cpu, uint64_t driver_features,
                    const vnet_ops *ops, void *user);

/* Call after every (re)connect: subscribes, declares DRIVER_OK again, re-asserts the views. */
void vnet_node_on_connected(vnet_node *node);

/* Call for every MQTT message received; retained is the message's retain flag. */
vnet_err vnet_node_on_message(vnet_node *node, const char *topic, const uint8_t *payload, size_t len,
                              bool retained);

/* The re-read of topic that ops->reread started is over: a device still unconfirmed is removed. */
void vnet_node_reread_done(vnet_node *node, const char *topic);

/* Removes every driver (clears their views); call before a clean disconnect. */
void vnet_node_remove_all(vnet_node *node);

const vnet_device *vnet_node_find(const vnet_node *node, const char *instance);

#ifdef __cplusplus
}
#endif
#endif
