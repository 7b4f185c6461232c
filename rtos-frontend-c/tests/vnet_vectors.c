/*
 * Decodes test vectors with the core and prints one canonical line per vector, for the cross-check
 * with the Java decoders (CrossCheckTest). Input lines: "HEXTOPIC HEXPAYLOAD" ("-" for an empty payload);
 * the topic's last level says the kind (device, config, irq, ctrl), as the services route them.
 * Output: "ok <fields>" or "reject <reason>".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnet_json.h"

static vnet_json doc;

/* Every vector also goes to a driver node serving the vectors' CPU 7, to run the driver's paths on
 * hostile input under the sanitizers; its callbacks only count. */
static vnet_node node;
static unsigned long published;
static int count_publish(void *u, const char *t, const uint8_t *p, size_t n, bool r) {
  (void)u, (void)t, (void)p, (void)n, (void)r;
  published++;
  return 0;
}
static int ok_filter(void *u, const char *f) {
  (void)u, (void)f;
  return 0;
}
static void fixed_now(void *u, char *iso, size_t cap) {
  (void)u;
  snprintf(iso, cap, "2026-01-01T00:00:00Z");
}
static uint8_t payload[1 << 16];
static char line[1 << 18];

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

/* Decodes hex digits up to the first character that is not one; returns the byte count. */
static size_t unhex(const char *h, uint8_t *out) {
  size_t n = 0;
  for (; isxdigit((unsigned char)h[0]) && isxdigit((unsigned char)h[1]); h += 2) {
    out[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
  }
  return n;
}

static char topic_buf[1024];

static void instant(char *out, size_t cap, bool has, vnet_instant t) {
  if (!has) {
    snprintf(out, cap, "-");
  } else {
    snprintf(out, cap, "%lld.%09lu", (long long)t.sec, (unsigned long)t.nsec);
  }
}

/* The instance level of vnet/virtio/{instance}/{kind}, checked as Topics.parse does. */
static vnet_err topic_check(const char *topic, const char **kind, char *instance) {
  const char *levels[8];
  size_t lens[8];
  int n = 0;
  const char *s = topic;
  while (n < 8) {
    const char *slash = strchr(s, '/');
    levels[n] = s;
    lens[n] = slash ? (size_t)(slash - s) : strlen(s);
    n++;
    if (!slash) {
      break;
    }
    s = slash + 1;
  }
  *kind = levels[n - 1];
  if (n == 4 && lens[1] == 6 && memcmp(levels[1], "virtio", 6) == 0) {
    if (!vnet_instance_name_valid(levels[2], lens[2])) {
      return VNET_E_INVALID_NAME;
    }
    memcpy(instance, levels[2], lens[2]);
    instance[lens[2]] = '\0';
    return VNET_OK;
  }
  if (n == 4 && strcmp(*kind, "irq") == 0) {
    size_t l = lens[2];
    unsigned v = 0;
    if (l == 0 || l > 4) {
      return VNET_E_INVALID_NAME;
    }
    for (size_t i = 0; i < l; i++) {
      if (levels[2][i] < '0' || levels[2][i] > '9') {
        return VNET_E_INVALID_NAME;
      }
      v = v * 10 + (unsigned)(levels[2][i] - '0');
    }
    return v > 4095 ? VNET_E_OUT_OF_RANGE : VNET_OK;
  }
  return VNET_E_INVALID_NAME;
}

static void decode(const char *topic, const uint8_t *p, size_t len) {
  const char *kind;
  char instance[VNET_NAME_MAX + 1];
  char ts[40];
  vnet_err e = topic_check(topic, &kind, instance);
  if (e == VNET_OK && strcmp(kind, "config") == 0) {
    uint32_t gen;
    vnet_config c;
    if ((e = vnet_config_decode(p, len, &gen, &c)) == VNET_OK) {
      printf("ok gen=%lu mac=%02x:%02x:%02x:%02x:%02x:%02x status=%u pairs=%u mtu=%u speed=%lu duplex=%u rsskey=%u "
             "rssind=%u hash=%lu\n",
          (unsigned long)gen, c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5], c.status,
          c.max_virtqueue_pairs, c.mtu, (unsigned long)c.speed, c.duplex, c.rss_max_key_size,
          c.rss_max_indirection_table_length, (unsigned long)c.supported_hash_types);
      return;
    }
  } else if (e == VNET_OK && strcmp(kind, "irq") == 0) {
    int count;
    if ((e = vnet_irq_decode(&doc, p, len, &count)) == VNET_OK) {
      printf("ok n=%d", count);
      for (int i = 0; i < count; i++) {
        vnet_irq irq;
        vnet_irq_get(&doc, i, &irq);
        instant(ts, sizeof ts, irq.has_phy_ts, irq.phy_ts);
        printf(" | irq=%u instance=%s isr=%u gen=%lu phyTs=%s", irq.irq, irq.instance, irq.isr,
            (unsigned long)irq.generation, ts);
      }
      printf("\n");
      return;
    }
  } else if (e == VNET_OK && strcmp(kind, "device") == 0) {
    vnet_device_info d;
    if ((e = vnet_device_decode(&doc, p, len, &d)) == VNET_OK && strcmp(d.instance, instance) != 0) {
      e = VNET_E_INSTANCE_MISMATCH;
    }
    if (e == VNET_OK) {
      printf("ok instance=%s cpu=%u irq=%u features=0x%llx phy=%s agent=%s frontend=%d\n", d.instance, d.cpu, d.irq,
          (unsigned long long)d.device_features, d.phy, d.agent, d.has_frontend ? 1 : 0);
      return;
    }
  } else if (e == VNET_OK && strcmp(kind, "ctrl") == 0) {
    bool is_features;
    uint64_t f = 0;
    int cls = 0, cmd = 0;
    if ((e = vnet_ctrl_decode(&doc, p, len, &is_features, &f, &cls, &cmd)) == VNET_OK) {
      if (is_features) {
        printf("ok features=0x%llx\n", (unsigned long long)f);
      } else {
        printf("ok class=%d cmd=%d\n", cls, cmd);
      }
      return;
    }
  } else if (e == VNET_OK) {
    e = VNET_E_INVALID_NAME;
  }
  printf("reject %s\n", vnet_err_name(e));
}

int main(int argc, char **argv) {
  vnet_ops ops = {count_publish, ok_filter, ok_filter, fixed_now, NULL, NULL, NULL, NULL};
  if (!vnet_node_init(&node, "vnet", 7, VNET_F_ALL, &ops, NULL)) {
    return 1;
  }
  vnet_node_on_connected(&node);
  FILE *in = argc > 1 ? fopen(argv[1], "r") : stdin;
  if (!in) {
    perror("vnet-vectors");
    return 1;
  }
  while (fgets(line, sizeof line, in)) {
    char *sp = strchr(line, ' ');
    if (!sp) {
      continue;
    }
    size_t tl = unhex(line, (uint8_t *)topic_buf);
    if (tl >= sizeof topic_buf) {
      return 1;
    }
    topic_buf[tl] = 0;
    size_t n = unhex(sp + 1, payload);
    decode(topic_buf, payload, n);
    vnet_node_on_message(&node, topic_buf, payload, n, false);
  }
  fprintf(stderr, "vnet-vectors: the driver node published %lu messages, rejected %lu\n", published,
      (unsigned long)node.rejected_total);
  return 0;
}
