/* Strict JSON: a syntax check with Jackson's default rules, then jsmn for the tokens. */
#define JSMN_STATIC
#include <jsmn.h>

#include "vnet_json.h"

#include <string.h>

/* vnet_json.tok mirrors jsmntok_t, so jsmn fills it in place. */
typedef char vnet_tok_matches_jsmn[(sizeof(struct vnet_tok) == sizeof(jsmntok_t)) ? 1 : -1];

#define MAX_DEPTH 1000 /* Jackson's StreamReadConstraints default */

bool vnet_utf8_valid(const uint8_t *s, size_t n) {
  static const uint32_t min[] = {0x80, 0x800, 0x10000}; /* below: an overlong form */
  for (size_t i = 0; i < n;) {
    uint32_t cp = s[i++];
    if (cp < 0x80) {
      continue;
    }
    unsigned need = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : 1; /* continuation bytes */
    if (cp < 0xC2 || cp > 0xF4 || n - i < need) {
      return false; /* a continuation byte, an overlong lead, a 5/6-byte form, or cut short */
    }
    uint32_t lo = min[need - 1];
    for (cp &= 0x3Fu >> need; need > 0; need--, i++) {
      if ((s[i] & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < lo || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
  }
  return true;
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
bool vnet_is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

static size_t skip_ws(const uint8_t *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
    i++;
  }
  return i;
}

/* The end of the digits from i, or 0 if there is none (where one must be). */
static size_t digit_run(const uint8_t *s, size_t n, size_t i) {
  size_t p = i;
  while (p < n && is_digit(s[p])) {
    p++;
  }
  return p > i ? p : 0;
}

/* The scanners take the value at *i and move past it; false if it is not one. */
static bool scan_string(const uint8_t *s, size_t n, size_t *i) {
  for (size_t p = *i + 1; p < n; p++) {
    uint8_t c = s[p];
    if (c == '"') {
      *i = p + 1;
      return true;
    }
    if (c < 0x20) {
      return false; /* control characters must be escaped */
    }
    if (c == '\\') {
      uint8_t e = ++p < n ? s[p] : 0;
      if (e == 'u') {
        for (int k = 0; k < 4; k++) {
          if (++p >= n || !vnet_is_hex((char)s[p])) {
            return false;
          }
        }
      } else if (!e || !strchr("\"\\/bfnrt", e)) {
        return false;
      }
    }
  }
  return false;
}

/* A number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or true, false or null. */
static bool scan_primitive(const uint8_t *s, size_t n, size_t *i) {
  size_t p = *i + (s[*i] == '-');
  size_t q = digit_run(s, n, p);
  if (s[*i] != '-' && !q) {
    const char *lit = s[p] == 't' ? "true" : s[p] == 'f' ? "false" : "null";
    size_t l = strlen(lit);
    *i += l;
    return n - p >= l && memcmp(s + p, lit, l) == 0;
  }
  if (!q || (s[p] == '0' && q > p + 1)) {
    return false; /* no digit, or a leading zero */
  }
  if (q < n && s[q] == '.' && !(q = digit_run(s, n, q + 1))) {
    return false;
  }
  if (q < n && (s[q] | 0x20) == 'e') {
    q++;
    if (!(q = digit_run(s, n, q + (q < n && (s[q] == '+' || s[q] == '-'))))) {
      return false;
    }
  }
  *i = q;
  return true;
}

/* The syntax check's token classes, and its states: what may come next. */
enum { C_OPEN, C_CLOSE, C_COLON, C_COMMA, C_STRING, C_PRIMITIVE };
enum { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, AFTER };

/*
 * RFC 8259 syntax of one top-level object with nothing but whitespace after it. Iterative (a bit per
 * level says object or array), so a deep nesting costs 125 bytes of stack, not a recursion.
 */
static bool syntax_ok(const uint8_t *s, size_t n) {
#define B(c) (1u << (c))
  static const uint8_t allowed[] = {B(C_OPEN) | B(C_STRING) | B(C_PRIMITIVE),
      B(C_OPEN) | B(C_STRING) | B(C_PRIMITIVE) | B(C_CLOSE), B(C_STRING), B(C_STRING) | B(C_CLOSE), B(C_COLON),
      B(C_COMMA) | B(C_CLOSE)};
#undef B
  uint8_t in_object[(MAX_DEPTH + 7) / 8];
  unsigned depth = 0, state = VALUE;
  size_t i = 0;
  for (;;) {
    i = skip_ws(s, n, i);
    if (state == AFTER && depth == 0) {
      return i == n;
    }
    if (i >= n || (depth == 0 && s[i] != '{')) {
      return false; /* JSON but not an object is malformed-json too */
    }
    uint8_t c = s[i];
    bool object = depth > 0 && (((unsigned)in_object[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1u);
    unsigned cls = c == '{' || c == '[' ? C_OPEN
        : c == '}' || c == ']'          ? C_CLOSE
        : c == ':'                      ? C_COLON
        : c == ','                      ? C_COMMA
        : c == '"'                      ? C_STRING
                                        : C_PRIMITIVE;
    if (!((allowed[state] >> cls) & 1u)) {
      return false;
    }
    if (cls == C_OPEN) {
      if (depth >= MAX_DEPTH) {
        return false;
      }
      uint8_t bit = (uint8_t)(1u << (depth % 8));
      in_object[depth / 8] = (uint8_t)(c == '{' ? in_object[depth / 8] | bit : in_object[depth / 8] & ~bit);
      depth++, i++, state = c == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    } else if (cls == C_CLOSE) {
      if (c != (object ? '}' : ']')) {
        return false;
      }
      depth--, i++, state = AFTER;
    } else if (cls == C_COLON || cls == C_COMMA) {
      i++, state = cls == C_COMMA && object ? KEY : VALUE;
    } else if (!(cls == C_STRING ? scan_string : scan_primitive)(s, n, &i)) {
      return false;
    } else {
      state = state == KEY || state == KEY_OR_CLOSE ? COLON : AFTER;
    }
  }
}

bool vnet_json_is(const vnet_json *doc, int t, const char *text) {
  char buf[24]; /* longer than any key looked up: a longer key differs in len */
  size_t len;
  vnet_json_string_tok(doc, t, buf, sizeof buf, &len);
  return len == strlen(text) && memcmp(buf, text, len) == 0;
}

int vnet_json_next(const vnet_json *doc, int t) {
  int end = doc->tok[t].end;
  int j = t + 1;
  while (j < doc->count && doc->tok[j].start < end) {
    j++;
  }
  return j;
}

int vnet_json_find_raw(const vnet_json *doc, int obj, const char *key) {
  int found = -1;
  if (obj < 0 || doc->tok[obj].type != VNET_TOK_OBJECT) {
    return -1;
  }
  int t = obj + 1;
  for (int k = 0; k < doc->tok[obj].size; k++) {
    int value = t + 1;
    if (vnet_json_is(doc, t, key)) {
      found = value;
    }
    t = vnet_json_next(doc, value);
  }
  return found;
}

int vnet_json_find(const vnet_json *doc, int obj, const char *key) {
  int found = vnet_json_find_raw(doc, obj, key);
  if (found >= 0 && doc->tok[found].type == VNET_TOK_PRIMITIVE && doc->js[doc->tok[found].start] == 'n') {
    return -1; /* null counts as absent */
  }
  return found;
}

/* An integer literal (no fraction, no exponent) that fits an int64, as Jackson's int/long nodes. */
static bool tok_int(const vnet_json *doc, int t, int64_t *out) {
  const struct vnet_tok *k = &doc->tok[t];
  const char *p = doc->js + k->start;
  const char *e = doc->js + k->end;
  bool neg = p < e && *p == '-';
  uint64_t v = 0;
  p += neg;
  if (k->type != VNET_TOK_PRIMITIVE || p == e) {
    return false;
  }
  for (; p < e; p++) {
    unsigned d = (unsigned)(uint8_t)*p - '0';
    /* past INT64_MAX (or its magnitude + 1 when negative) is a BigInteger for Jackson: the wrong type;
       checked by tenth and last digit, so no 64-bit division */
    if (d > 9 || v > (uint64_t)INT64_MAX / 10u || (v == (uint64_t)INT64_MAX / 10u && d > 7u + neg)) {
      return false;
    }
    v = v * 10u + d;
  }
  *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
  return true;
}

/* An integer token in 0..max: as tok_int and a range check. */
static vnet_err tok_uint(const vnet_json *doc, int t, uint32_t max, uint32_t *out) {
  const struct vnet_tok *k = &doc->tok[t];
  const char *p = doc->js + k->start;
  const char *e = doc->js + k->end;
  bool neg = *p == '-';
  uint64_t v = 0; /* exact up to 19 digits */
  p += neg;
  if (k->type != VNET_TOK_PRIMITIVE || p == e) {
    return VNET_E_WRONG_TYPE;
  }
  for (const char *q = p; q < e; q++) {
    unsigned d = (unsigned)(uint8_t)*q - '0';
    if (d > 9) {
      return VNET_E_WRONG_TYPE;
    }
    v = v * 10u + d;
  }
  /* past INT64_MAX (or its magnitude + 1 when negative) is a BigInteger for Jackson: the wrong type
     (more than 19 digits is past it: the syntax check let no leading zero by) */
  if (e - p > 19 || v > (uint64_t)INT64_MAX + neg) {
    return VNET_E_WRONG_TYPE;
  }
  *out = (uint32_t)v;
  return v > (neg ? 0 : max) ? VNET_E_OUT_OF_RANGE : VNET_OK; /* -0 is 0 */
}

vnet_err vnet_json_parse(vnet_json *doc, const uint8_t *payload, size_t len) {
  return vnet_json_parse_max(doc, payload, len, VNET_MAX_PAYLOAD);
}

vnet_err vnet_json_parse_max(vnet_json *doc, const uint8_t *payload, size_t len, size_t max) {
  doc->count = 0;
  if (payload == NULL || len == 0) {
    return VNET_E_EMPTY;
  }
  if (len > max) {
    return VNET_E_OVERSIZE;
  }
  if (!vnet_utf8_valid(payload, len)) {
    return VNET_E_BAD_UTF8;
  }
  if (len >= 3 && memcmp(payload, "\xEF\xBB\xBF", 3) == 0) {
    payload += 3, len -= 3; /* a UTF-8 byte order mark, which Jackson skips at the start */
  }
  doc->js = (const char *)payload;
  doc->len = len;
  if (!syntax_ok(payload, len)) {
    return VNET_E_MALFORMED_JSON;
  }
  jsmn_parser p;
  jsmn_init(&p);
  int r = jsmn_parse(&p, doc->js, len, (jsmntok_t *)(void *)doc->tok, VNET_JSON_MAX_TOKENS);
  if (r == JSMN_ERROR_NOMEM) {
    return VNET_E_TOO_COMPLEX;
  }
  if (r < 1) {
    return VNET_E_MALFORMED_JSON;
  }
  doc->count = r;
  int v = vnet_json_find(doc, 0, "v");
  uint32_t version;
  if (v >= 0 && !(tok_uint(doc, v, 1, &version) == VNET_OK && version == 1)) {
    return VNET_E_SCHEMA_VERSION;
  }
  return VNET_OK;
}

vnet_err vnet_json_typed(const vnet_json *doc, int obj, const char *key, int type, int *tok) {
  int t = vnet_json_find(doc, obj, key);
  if (t < 0) {
    return VNET_E_MISSING_FIELD;
  }
  if (doc->tok[t].type != type) {
    return VNET_E_WRONG_TYPE;
  }
  *tok = t;
  return VNET_OK;
}

vnet_err vnet_json_int(const vnet_json *doc, int obj, const char *key, int64_t min, int64_t max, int64_t *out) {
  int t = vnet_json_find(doc, obj, key);
  if (t < 0) {
    return VNET_E_MISSING_FIELD;
  }
  if (!tok_int(doc, t, out)) {
    return VNET_E_WRONG_TYPE;
  }
  return *out < min || *out > max ? VNET_E_OUT_OF_RANGE : VNET_OK;
}

vnet_err vnet_json_uint(const vnet_json *doc, int obj, const char *key, uint32_t max, uint32_t *out) {
  int t = vnet_json_find(doc, obj, key);
  return t < 0 ? VNET_E_MISSING_FIELD : tok_uint(doc, t, max, out);
}

static bool tok_is(const vnet_json *doc, int t, const char *text) {
  size_t l = strlen(text);
  const struct vnet_tok *k = &doc->tok[t];
  return (size_t)(k->end - k->start) == l && memcmp(doc->js + k->start, text, l) == 0;
}

vnet_err vnet_json_bool(const vnet_json *doc, int obj, const char *key, bool *out) {
  int t = vnet_json_find(doc, obj, key);
  if (t < 0) {
    return VNET_E_MISSING_FIELD;
  }
  if (tok_is(doc, t, "true") || tok_is(doc, t, "false")) {
    *out = doc->js[doc->tok[t].start] == 't';
    return VNET_OK;
  }
  return VNET_E_WRONG_TYPE;
}

static uint32_t hex4(const char *p) {
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

/* Appends b while it fits with the NUL; counts it anyway. */
static void put(char *out, size_t cap, size_t *n, uint32_t b) {
  if (*n + 1 < cap) {
    out[*n] = (char)b;
  }
  (*n)++;
}

vnet_err vnet_json_string_tok(const vnet_json *doc, int t, char *out, size_t cap, size_t *len) {
  static const uint8_t lead[] = {0, 0xC0, 0xE0, 0xF0}; /* of a UTF-8 sequence, by continuation bytes */
  const char *p = doc->js + doc->tok[t].start;
  const char *e = doc->js + doc->tok[t].end;
  size_t n = 0;
  if (doc->tok[t].type != VNET_TOK_STRING) {
    return VNET_E_WRONG_TYPE;
  }
  while (p < e) {
    uint32_t cp = (uint8_t)*p++;
    int extra = 0; /* continuation bytes */
    if (cp == '\\' && *p == 'u') {
      cp = hex4(p + 1);
      p += 5;
      if (cp >= 0xD800 && cp <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        uint32_t lo = hex4(p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
      }
      /* as UTF-8; a lone surrogate as its 3-byte form, as Java's String holds it */
      extra = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
    } else if (cp == '\\') {
      const char *m = strchr("b\bf\fn\nr\rt\t", *p++); /* the syntax check let only \" \\ \/ and these by */
      cp = (uint8_t)(m ? m[1] : p[-1]);
    }
    put(out, cap, &n, lead[extra] | cp >> (6 * extra));
    while (extra-- > 0) {
      put(out, cap, &n, 0x80 | ((cp >> (6 * extra)) & 0x3F));
    }
  }
  if (cap > 0) {
    out[n < cap ? n : cap - 1] = '\0';
  }
  *len = n;
  return VNET_OK;
}

vnet_err vnet_json_string(const vnet_json *doc, int obj, const char *key, char *out, size_t cap, size_t *len) {
  int t = vnet_json_find(doc, obj, key);
  if (t < 0) {
    return VNET_E_MISSING_FIELD;
  }
  return vnet_json_string_tok(doc, t, out, cap, len);
}

vnet_err vnet_json_instant(const vnet_json *doc, int obj, const char *key, char text[VNET_TS_MAX], vnet_instant *out) {
  size_t len;
  vnet_err e = vnet_json_string(doc, obj, key, text, VNET_TS_MAX, &len);
  if (e == VNET_OK && (len >= VNET_TS_MAX || !vnet_instant_parse(text, len, out))) {
    e = VNET_E_WRONG_TYPE; /* as Json.instant: "not an ISO-8601 instant" */
  }
  return e;
}
