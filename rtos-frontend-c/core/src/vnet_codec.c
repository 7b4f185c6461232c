/* The contract's payloads: config bytes, irq, device, ctrl; names, features and instants. */
#include "vnet_json.h"

#include <stddef.h>
#include <string.h>

const char *vnet_err_name(vnet_err e) {
  static const char *const names[] = {"ok", "empty", "oversize", "bad-utf8", "malformed-json", "schema-version",
      "missing-field", "wrong-type", "out-of-range", "unknown-value", "invalid-name", "wrong-size",
      "instance-mismatch", "unknown-irq", "too-complex", "no-room", "buffer", "conflict"};
  return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "?";
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

vnet_err vnet_config_decode(const uint8_t *buf, size_t len, uint32_t *generation, vnet_config *out) {
  if (len != VNET_CONFIG_WIRE_SIZE) {
    return VNET_E_WRONG_SIZE;
  }
  const uint8_t *c = buf + 4;
  *generation = le32(buf);
  memcpy(out->mac, c, 6);
  out->status = le16(c + 6);
  out->max_virtqueue_pairs = le16(c + 8);
  out->mtu = le16(c + 10);
  out->speed = le32(c + 12);
  out->duplex = c[16];
  out->rss_max_key_size = c[17];
  out->rss_max_indirection_table_length = le16(c + 18);
  out->supported_hash_types = le32(c + 20);
  return VNET_OK;
}

/* --- names --------------------------------------------------------------------------------------- */

/*
 * s[0, n) is 1 to max characters: a letter or digit (a letter only if alpha_first), then letters, digits
 * or extra; letters are lowercase unless upper.
 */
static bool id_valid(const char *s, size_t n, size_t max, bool alpha_first, bool upper, const char *extra) {
  if (n < 1 || n > max || (alpha_first && s[0] >= '0' && s[0] <= '9')) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i], l = upper ? (char)(c | 0x20) : c;
    if (!((l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || (i > 0 && c && strchr(extra, c)))) {
      return false;
    }
  }
  return true;
}

bool vnet_instance_name_valid(const char *name, size_t len) {
  return id_valid(name, len, VNET_NAME_MAX, false, false, "._-");
}

/*
 * dev_valid_name plus MQTT's reserved characters, on the UTF-8 (or WTF-8) name as Java sees its chars:
 * refused are / : + #, Character.isWhitespace or isISOControl, surrogates (alone or a pair) and U+FFFD.
 */
bool vnet_ifname_valid(const char *name, size_t len) {
  static const uint16_t refused[][2] = {{0, 0x20}, {'#', '#'}, {'+', '+'}, {'/', '/'}, {':', ':'}, {0x7F, 0x9F},
      {0x1680, 0x1680}, {0x2000, 0x2006}, {0x2008, 0x200A}, {0x2028, 0x2029}, {0x205F, 0x205F}, {0x3000, 0x3000},
      {0xD800, 0xDFFF}, {0xFFFD, 0xFFFD}};
  if (len == 0 || len > VNET_IFNAME_MAX || (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))) {
    return false;
  }
  const uint8_t *s = (const uint8_t *)name;
  for (size_t i = 0; i < len;) {
    uint32_t cp = s[i];
    size_t n = 1;
    if (cp >= 0xF0) {
      return false; /* outside the BMP: a surrogate pair in Java */
    } else if (cp >= 0xE0 && i + 2 < len) {
      cp = (cp & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F), n = 3;
    } else if (cp >= 0xC0 && i + 1 < len) {
      cp = (cp & 0x1F) << 6 | (s[i + 1] & 0x3F), n = 2;
    } else if (cp >= 0x80) {
      return false;
    }
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
      if (cp >= refused[k][0] && cp <= refused[k][1]) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

/* --- features ------------------------------------------------------------------------------------ */

/* In the Java enum's order, which is also the order of the names on the wire. */
static const struct {
  const char *name;
  uint64_t mask;
} feature_names[] = {{"MTU", VNET_F_MTU}, {"MAC", VNET_F_MAC}, {"STATUS", VNET_F_STATUS}, {"CTRL_VQ", VNET_F_CTRL_VQ},
    {"GUEST_ANNOUNCE", VNET_F_GUEST_ANNOUNCE}, {"VERSION_1", VNET_F_VERSION_1},
    {"SPEED_DUPLEX", VNET_F_SPEED_DUPLEX}};
#define N_FEATURES (sizeof feature_names / sizeof feature_names[0])

uint64_t vnet_feature_of_name(const char *name, size_t len) {
  for (size_t i = 0; i < N_FEATURES; i++) {
    if (strlen(feature_names[i].name) == len && memcmp(feature_names[i].name, name, len) == 0) {
      return feature_names[i].mask;
    }
  }
  return 0;
}

bool vnet_features_parse_list(const char *list, uint64_t *out) {
  uint64_t bits = 0;
  const char *p = list;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    uint64_t f = vnet_feature_of_name(p, len);
    if (f == 0) {
      return false;
    }
    bits |= f;
    p += len + (comma ? 1 : 0);
  }
  *out = bits;
  return true;
}

uint64_t vnet_negotiate(uint64_t device, uint64_t driver) {
  uint64_t agreed = device & driver & VNET_F_ALL;
  if (!(agreed & VNET_F_CTRL_VQ)) {
    agreed &= ~VNET_F_GUEST_ANNOUNCE;
  }
  return agreed;
}

/* A JSON array of feature names: non-strings are the wrong type, unknown names an unknown value. */
static vnet_err features_of_array(const vnet_json *doc, int arr, uint64_t *out) {
  uint64_t bits = 0;
  for (int i = 0, t = arr + 1; i < doc->tok[arr].size; i++, t = vnet_json_next(doc, t)) {
    uint64_t f = 0;
    if (doc->tok[t].type != VNET_TOK_STRING) {
      return VNET_E_WRONG_TYPE;
    }
    for (size_t k = 0; k < N_FEATURES; k++) {
      f |= vnet_json_is(doc, t, feature_names[k].name) ? feature_names[k].mask : 0;
    }
    if (f == 0) {
      return VNET_E_UNKNOWN_VALUE;
    }
    bits |= f;
  }
  *out = bits;
  return VNET_OK;
}

/* --- instants (java.time.Instant.parse / toString) -------------------------------------------- */

int32_t vnet_digits(const char *s, size_t n) {
  int32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/*
 * s[0, n) against shape: '0' is a digit, added to the current field of f; 't' is T in either case, '+'
 * a sign, anything else itself; every non-digit starts the next field (a shape starts with one).
 */
static bool shaped(const char *s, const char *shape, size_t n, int32_t *f) {
  int k = -1;
  for (size_t i = 0; i < n; i++) {
    char c = s[i], want = shape[i];
    if (want == '0') {
      if (c < '0' || c > '9') {
        return false;
      }
      f[k] = f[k] * 10 + (c - '0');
    } else if (want == 't' ? (c | 0x20) != 't' : want == '+' ? c != '+' && c != '-' : c != want) {
      return false;
    } else {
      f[++k] = 0;
    }
  }
  return true;
}

/* ISO_INSTANT as Java 17 parses it: [+-]yyyy-MM-ddTHH:mm:ss[.f{0,9}](Z|+HH:MM[:SS]), T and Z in either case. */
bool vnet_instant_parse(const char *s, size_t len, vnet_instant *out) {
  static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int32_t f[5], o[3] = {0, 0, 0}; /* month, day, hour, minute, second; the offset's hours, minutes, seconds */
  size_t i = s[0] == '+' || s[0] == '-';
  size_t y = i; /* the year's end */
  while (y < len && s[y] >= '0' && s[y] <= '9') {
    y++;
  }
  /* more than four digits only with a sign, as ISO_LOCAL_DATE's EXCEEDS_PAD */
  if (y - i < 4 || y - i > 9 || (y - i > 4 && i == 0) || len - y < 15 || !shaped(s + y, "-00-00t00:00:00", 15, f)) {
    return false;
  }
  int32_t year = vnet_digits(s + i, y - i) * (s[0] == '-' ? -1 : 1);
  bool leap = year % (year % 100 ? 4 : 400) == 0;
  if (f[0] < 1 || f[0] > 12 || f[1] < 1 || f[1] > mdays[f[0] - 1] || (f[0] == 2 && f[1] == 29 && !leap) || f[2] > 24
      || f[3] > 59 || f[4] > 60) {
    return false;
  }
  const char *r = s + y + 15, *end = s + len;
  uint32_t nanos = 0;
  int k = 0;
  if (r < end && *r == '.') {
    for (r++; r < end && *r >= '0' && *r <= '9'; r++) {
      if (++k > 9) {
        return false;
      }
      nanos = nanos * 10 + (uint32_t)(*r - '0');
    }
  }
  for (; k < 9; k++) {
    nanos *= 10;
  }
  size_t ol = (size_t)(end - r);
  int32_t offset = 0;
  if (!(ol == 1 && (*r | 0x20) == 'z')) { /* else UTC */
    if (!((ol == 6 || ol == 9) && shaped(r, "+00:00:00", ol, o)) || o[1] > 59 || o[2] > 59
        || (offset = o[0] * 3600 + o[1] * 60 + o[2]) > 18 * 3600) {
      return false;
    }
    offset = *r == '-' ? -offset : offset;
  }
  /* as InstantPrinterParser: 24:00 is the next midnight (without a fraction), 23:59:60 a leap second
     smoothed to :59; both, and only they, are the second 86,400 of the day */
  int32_t tod = f[2] * 3600 + f[3] * 60 + f[4];
  if ((f[2] == 24 || f[4] == 60) && (tod != 86400 || (f[2] == 24 && nanos))) {
    return false;
  }
  tod -= (f[4] == 60) + offset;
  /* days since 1970-01-01 of the proleptic Gregorian date (32-bit divisions only) */
  int32_t yy = year - (f[0] <= 2);
  const int32_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const unsigned yoe = (unsigned)(yy - era * 400);
  const unsigned doy = (153 * (unsigned)(f[0] > 2 ? f[0] - 3 : f[0] + 9) + 2) / 5 + (unsigned)f[1] - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  out->sec = ((int64_t)era * 146097 + (int64_t)doe - 719468) * 86400 + tod;
  out->nsec = nanos;
  return true;
}

/* As Instant.toString() for 1970..2106 (a clock's range; 32-bit arithmetic); -1 outside it. */
int vnet_instant_format(char *out, size_t cap, vnet_instant t) {
  if (t.sec < 0 || t.sec > (int64_t)UINT32_MAX || t.nsec > 999999999u || cap < 31) {
    return -1;
  }
  uint32_t secs = (uint32_t)t.sec, z = secs / 86400 + 719468;
  const uint32_t era = z / 146097, doe = z - era * 146097;
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  const uint32_t y = yoe + era * 400 + (m <= 2);
  const uint32_t sod = secs % 86400;
  const uint32_t parts[] = {y / 100, y % 100, m, d, sod / 3600, sod / 60 % 60, sod % 60};
  static const char seps[] = "\0\0--T::";
  size_t n = 0;
  for (int k = 0; k < 7; k++) {
    if (seps[k]) {
      out[n++] = seps[k];
    }
    out[n++] = (char)('0' + parts[k] / 10);
    out[n++] = (char)('0' + parts[k] % 10);
  }
  if (t.nsec != 0) {
    int width = t.nsec % 1000000 == 0 ? 3 : t.nsec % 1000 == 0 ? 6 : 9;
    uint32_t v = t.nsec;
    out[n++] = '.';
    for (int k = 8; k >= 0; k--, v /= 10) {
      if (k < width) {
        out[n + (size_t)k] = (char)('0' + v % 10);
      }
    }
    n += (size_t)width;
  }
  out[n++] = 'Z';
  out[n] = '\0';
  return (int)n;
}

/* --- fields of an object, read by one routine for every message kind ---------------------------- */

enum { F_STRING, F_UINT, F_FEATURES };

/* A field read into a struct at off: a string into a buffer of size bytes, an integer of 0..max into a
   uint8/16/32_t (size bytes), or feature names into a uint64_t. */
typedef struct {
  const char *key;
  uint32_t max;
  uint16_t off, size;
  uint8_t kind;
} field;

#define STRING(type, key, member) {key, 0, offsetof(type, member), sizeof((type *)0)->member, F_STRING}
#define UINT(type, key, member, max) {key, max, offsetof(type, member), sizeof((type *)0)->member, F_UINT}

/* Reads fields[0, n) of object obj into out, in their order: the first refusal is the message's.
   len[i] is string i's full length. */
static vnet_err read_fields(const vnet_json *doc, int obj, const field *f, int n, void *out, size_t *len) {
  for (int i = 0; i < n; i++, f++) {
    void *p = (char *)out + f->off;
    uint32_t v = 0;
    int arr;
    vnet_err e;
    if (f->kind == F_STRING) {
      e = vnet_json_string(doc, obj, f->key, p, f->size, &len[i]);
    } else if (f->kind == F_FEATURES) {
      if ((e = vnet_json_typed(doc, obj, f->key, VNET_TOK_ARRAY, &arr)) == VNET_OK) {
        e = features_of_array(doc, arr, p);
      }
    } else {
      e = vnet_json_uint(doc, obj, f->key, f->max, &v);
      if (f->size == 1) {
        *(uint8_t *)p = (uint8_t)v;
      } else if (f->size == 2) {
        *(uint16_t *)p = (uint16_t)v;
      } else {
        *(uint32_t *)p = v;
      }
    }
    if (e != VNET_OK) {
      return e;
    }
  }
  return VNET_OK;
}

/* --- irq --------------------------------------------------------------------------------------- */

/* One interrupt: irq, instance, isr, generation, phyTs (optional), then the name, as IrqCodec.irqFrom. */
static vnet_err irq_entry(const vnet_json *doc, int obj, vnet_irq *out) {
  static const field fields[] = {UINT(vnet_irq, "irq", irq, 65535), STRING(vnet_irq, "instance", instance),
      UINT(vnet_irq, "isr", isr, 255), UINT(vnet_irq, "generation", generation, UINT32_MAX)};
  size_t len[4];
  vnet_err e = read_fields(doc, obj, fields, 4, out, len);
  if (e != VNET_OK) {
    return e;
  }
  out->phy_ts_text[0] = '\0';
  e = vnet_json_instant(doc, obj, "phyTs", out->phy_ts_text, &out->phy_ts);
  out->has_phy_ts = e != VNET_E_MISSING_FIELD; /* optional: absent or null */
  if (out->has_phy_ts && e != VNET_OK) {
    return e;
  }
  return vnet_instance_name_valid(out->instance, len[1]) ? VNET_OK : VNET_E_INVALID_NAME;
}

/* The token of entry index: of the list form, or the message itself for the single form. */
static int irq_entry_token(const vnet_json *doc, int index) {
  int t = vnet_json_find_raw(doc, 0, "irqs") + 1; /* 0 without the list */
  for (int i = 0; t > 0 && i < index; i++) {
    t = vnet_json_next(doc, t);
  }
  return t;
}

vnet_err vnet_irq_decode(vnet_json *doc, const uint8_t *payload, size_t len, int *count) {
  vnet_err e = vnet_json_parse_max(doc, payload, len, VNET_IRQ_MAX_PAYLOAD);
  vnet_irq scratch;
  int list, n = 1;
  if (e != VNET_OK) {
    return e;
  }
  if (vnet_json_find_raw(doc, 0, "irqs") < 0) {
    e = irq_entry(doc, 0, &scratch); /* contract 1's single form */
  } else if ((e = vnet_json_typed(doc, 0, "irqs", VNET_TOK_ARRAY, &list)) == VNET_OK) {
    n = doc->tok[list].size;
    if (n < 1 || n > VNET_IRQ_MAX_ENTRIES) {
      return VNET_E_OUT_OF_RANGE;
    }
    for (int i = 0, t = list + 1; i < n && e == VNET_OK; i++, t = vnet_json_next(doc, t)) {
      e = doc->tok[t].type != VNET_TOK_OBJECT ? VNET_E_WRONG_TYPE : irq_entry(doc, t, &scratch);
    }
  }
  if (e == VNET_OK) {
    e = vnet_json_instant(doc, 0, "ts", scratch.phy_ts_text, &scratch.phy_ts);
  }
  *count = n;
  return e;
}

vnet_err vnet_irq_get(const vnet_json *doc, int index, vnet_irq *out) {
  return irq_entry(doc, irq_entry_token(doc, index), out);
}

/* --- device ------------------------------------------------------------------------------------ */

uint32_t vnet_fnv1a(uint32_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h = (h ^ (uint8_t)s[i]) * 16777619u;
  }
  return h;
}

/*
 * A libvirt QEMU URI as FrontendBinding.Libvirt takes it: at most 512 characters, scheme qemu or
 * qemu+transport, and the characters java.net.URI accepts (escapes as %XX, one fragment). The URI's
 * finer grammar (authority, IPv6 literals) is not checked here.
 */
static bool libvirt_uri_valid(const char *u, size_t n) {
  const char *p = u + 4, *end = u + n;
  bool fragment = false;
  if (n > 512 || n < 6 || memcmp(u, "qemu", 4) != 0) {
    return false;
  }
  if (*p == '+') { /* (\+[a-z]+)? */
    do {
      p++;
    } while (p < end && *p >= 'a' && *p <= 'z');
    if (p == u + 5) {
      return false;
    }
  }
  if (p + 1 >= end || *p != ':') {
    return false; /* the scheme's colon, and something after it */
  }
  for (p++; p < end; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7F || strchr("\"<>\\^`{|}", c)
        || (c == '%' && (end - p < 3 || !vnet_is_hex(p[1]) || !vnet_is_hex(p[2]))) || (c == '#' && fragment)) {
      return false;
    }
    fragment = fragment || c == '#';
  }
  return true;
}

/* A frontend binding's strings. a: qmp or a libvirt URI of up to 512 characters; b: device or domain. */
typedef struct {
  char kind[16], a[516], b[136], interface[24];
} binding;

/*
 * FrontendBinding.of: the kind, then its fields, then their checks. qemu: qmp unix:PATH or
 * tcp:HOST:PORT, device a QEMU id; libvirt: uri, domain, interface (a MAC or an interface name).
 */
static vnet_err frontend_binding(const vnet_json *doc, int obj) {
  static const field fields[2][4] = {
      {STRING(binding, "kind", kind), STRING(binding, "qmp", a), STRING(binding, "device", b)},
      {STRING(binding, "kind", kind), STRING(binding, "uri", a), STRING(binding, "domain", b),
          STRING(binding, "interface", interface)}};
  binding v;
  size_t l[4] = {0, 0, 0, 0};
  vnet_err e = read_fields(doc, obj, fields[0], 1, &v, l);
  if (e != VNET_OK) {
    return e;
  }
  bool libvirt = l[0] == 7 && memcmp(v.kind, "libvirt", 7) == 0;
  if (!libvirt && !(l[0] == 4 && memcmp(v.kind, "qemu", 4) == 0)) {
    return VNET_E_UNKNOWN_VALUE;
  }
  if ((e = read_fields(doc, obj, fields[libvirt] + 1, 2 + libvirt, &v, l + 1)) != VNET_OK) {
    return e;
  }
  const size_t al = l[1], bl = l[2], cl = l[3];
  if (libvirt) {
    bool mac = cl == 17;
    for (size_t i = 0; mac && i < 17; i++) {
      mac = i % 3 == 2 ? v.interface[i] == ':' : vnet_is_hex(v.interface[i]);
    }
    if (al >= sizeof v.a || !libvirt_uri_valid(v.a, al)) {
      return VNET_E_OUT_OF_RANGE;
    }
    if (!id_valid(v.b, bl, 128, false, true, "._+:@-")
        || !(mac || (cl < sizeof v.interface && vnet_ifname_valid(v.interface, cl)))) {
      return VNET_E_INVALID_NAME;
    }
  } else {
    bool qmp_ok = al > 5 && memcmp(v.a, "unix:", 5) == 0;
    if (!qmp_ok && al < sizeof v.a && al > 4 && memcmp(v.a, "tcp:", 4) == 0) { /* tcp:[^:]+:\d{1,5} */
      const char *colon = memchr(v.a + 4, ':', al - 4);
      size_t port_len = colon ? al - (size_t)(colon + 1 - v.a) : 0;
      qmp_ok = colon && colon > v.a + 4 && port_len >= 1 && port_len <= 5 && vnet_digits(colon + 1, port_len) >= 0;
    }
    if (!qmp_ok) {
      return VNET_E_OUT_OF_RANGE;
    }
    if (!id_valid(v.b, bl, 64, true, true, "._-")) {
      return VNET_E_INVALID_NAME;
    }
  }
  return VNET_OK;
}

vnet_err vnet_device_decode(vnet_json *doc, const uint8_t *payload, size_t len, vnet_device_info *out) {
  static const field fields[] = {STRING(vnet_device_info, "instance", instance),
      UINT(vnet_device_info, "cpu", cpu, 4095), UINT(vnet_device_info, "irq", irq, 65535),
      {"deviceFeatures", 0, offsetof(vnet_device_info, device_features), 8, F_FEATURES},
      STRING(vnet_device_info, "phy", phy), STRING(vnet_device_info, "agent", agent)};
  vnet_err e = vnet_json_parse(doc, payload, len);
  size_t l[6];
  if (e != VNET_OK) {
    return e;
  }
  memset(out, 0, sizeof *out);
  /* in DeviceInfoCodec.decode's order: the frontend binding (checked at once), the fields, the record's checks */
  int fe = vnet_json_find(doc, 0, "frontend");
  if (fe >= 0) {
    if (doc->tok[fe].type != VNET_TOK_OBJECT) {
      return VNET_E_WRONG_TYPE;
    }
    if ((e = frontend_binding(doc, fe)) != VNET_OK) {
      return e;
    }
    out->has_frontend = true;
  }
  if ((e = read_fields(doc, 0, fields, 6, out, l)) != VNET_OK) {
    return e;
  }
  if (!vnet_instance_name_valid(out->instance, l[0]) || !vnet_ifname_valid(out->phy, l[4])
      || !vnet_instance_name_valid(out->agent, l[5])) {
    return VNET_E_INVALID_NAME;
  }
  return VNET_OK;
}

/* --- ctrl -------------------------------------------------------------------------------------- */

vnet_err vnet_ctrl_decode(vnet_json *doc, const uint8_t *payload, size_t len, bool *is_features,
                          uint64_t *features, int *ctrl_class, int *cmd) {
  vnet_err e = vnet_json_parse(doc, payload, len);
  int64_t c, m;
  int arr;
  if (e != VNET_OK) {
    return e;
  }
  *is_features = vnet_json_find_raw(doc, 0, "driverFeatures") >= 0; /* present, even as null */
  if (*is_features) {
    if ((e = vnet_json_typed(doc, 0, "driverFeatures", VNET_TOK_ARRAY, &arr)) != VNET_OK) {
      return e;
    }
    return features_of_array(doc, arr, features);
  }
  if ((e = vnet_json_int(doc, 0, "class", 0, 255, &c)) != VNET_OK
      || (e = vnet_json_int(doc, 0, "cmd", 0, 255, &m)) != VNET_OK) {
    return e;
  }
  *ctrl_class = (int)c;
  *cmd = (int)m;
  return VNET_OK;
}

size_t vnet_append(char *out, size_t cap, size_t n, const char *s) {
  size_t l = strlen(s);
  if (l >= cap - n) {
    return cap;
  }
  memcpy(out + n, s, l + 1);
  return n + l;
}

int vnet_ctrl_encode_features(char *out, size_t cap, uint64_t bits) {
  const char *sep = "\"";
  size_t n = vnet_append(out, cap, 0, "{\"driverFeatures\":[");
  for (size_t i = 0; i < N_FEATURES; i++) {
    if (bits & feature_names[i].mask) {
      n = vnet_append(out, cap, vnet_append(out, cap, n, sep), feature_names[i].name);
      sep = "\",\"";
    }
  }
  n = vnet_append(out, cap, n, sep[1] ? "\"]}" : "]}");
  return n < cap ? (int)n : -1;
}

int vnet_ctrl_encode_announce_ack(char *out, size_t cap) {
  size_t n = vnet_append(out, cap, 0, "{\"class\":3,\"cmd\":0}");
  return n < cap ? (int)n : -1;
}
