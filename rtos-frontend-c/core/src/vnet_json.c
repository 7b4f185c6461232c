/* Strict JSON: a syntax check with Jackson's default rules, then jsmn for the tokens. */
#define JSMN_STATIC
#include <jsmn.h>

#include "vnet_json.h"

#include <string.h>

/* vnet_json.tok mirrors jsmntok_t, so jsmn fills it in place. */
typedef char vnet_tok_matches_jsmn[(sizeof(struct vnet_tok) == sizeof(jsmntok_t)) ? 1 : -1];

#define MAX_DEPTH 1000 /* Jackson's StreamReadConstraints default */

bool vnet_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint32_t cp;
    uint32_t min;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1, cp = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2, cp = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3, cp = c & 0x07u, min = 0x10000;
    } else {
      return false; /* continuation byte, overlong lead, or 5/6-byte form */
    }
    if (n - i <= need) {
      return false;
    }
    for (size_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (s[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += need + 1;
  }
  return true;
}

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_hex(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool scan_string(const uint8_t *s, size_t n, size_t *i) {
  size_t p = *i + 1;
  while (p < n) {
    uint8_t c = s[p];
    if (c == '"') {
      *i = p + 1;
      return true;
    }
    if (c < 0x20) {
      return false; /* control characters must be escaped */
    }
    if (c == '\\') {
      if (p + 1 >= n) {
        return false;
      }
      uint8_t e = s[p + 1];
      if (e == 'u') {
        if (p + 5 >= n || !is_hex(s[p + 2]) || !is_hex(s[p + 3]) || !is_hex(s[p + 4]) || !is_hex(s[p + 5])) {
          return false;
        }
        p += 6;
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == 0) {
        return false;
      }
      p += 2;
      continue;
    }
    p++;
  }
  return false;
}

static bool scan_number(const uint8_t *s, size_t n, size_t *i) {
  size_t p = *i;
  if (p < n && s[p] == '-') {
    p++;
  }
  if (p >= n || !is_digit(s[p])) {
    return false;
  }
  if (s[p] == '0') {
    p++;
  } else {
    while (p < n && is_digit(s[p])) {
      p++;
    }
  }
  if (p < n && s[p] == '.') {
    p++;
    if (p >= n || !is_digit(s[p])) {
      return false;
    }
    while (p < n && is_digit(s[p])) {
      p++;
    }
  }
  if (p < n && (s[p] == 'e' || s[p] == 'E')) {
    p++;
    if (p < n && (s[p] == '+' || s[p] == '-')) {
      p++;
    }
    if (p >= n || !is_digit(s[p])) {
      return false;
    }
    while (p < n && is_digit(s[p])) {
      p++;
    }
  }
  *i = p;
  return true;
}

static bool scan_literal(const uint8_t *s, size_t n, size_t *i) {
  static const char *const lits[] = {"true", "false", "null"};
  for (int k = 0; k < 3; k++) {
    size_t l = strlen(lits[k]);
    if (n - *i >= l && memcmp(s + *i, lits[k], l) == 0) {
      *i += l;
      return true;
    }
  }
  return false;
}

enum { S_VALUE, S_VALUE_OR_END, S_KEY, S_KEY_OR_END, S_COLON, S_AFTER };

/* RFC 8259 syntax of one top-level object with nothing but whitespace after it. */
static bool syntax_ok(const uint8_t *s, size_t n) {
  uint8_t stack[(MAX_DEPTH + 7) / 8]; /* one bit per level: 1 = object */
  int depth = 0;
  int state = S_VALUE;
  size_t i = 0;
  while (i < n && is_ws(s[i])) {
    i++;
  }
  if (i >= n || s[i] != '{') {
    return false; /* not JSON, or JSON but not an object: both malformed-json */
  }
  for (;;) {
    while (i < n && is_ws(s[i])) {
      i++;
    }
    if (state == S_AFTER && depth == 0) {
      return i == n;
    }
    if (i >= n) {
      return false;
    }
    uint8_t c = s[i];
    switch (state) {
      case S_VALUE_OR_END:
        if (c == ']') {
          depth--, i++, state = S_AFTER;
          break;
        }
        /* fall through */
      case S_VALUE:
        if (c == '{' || c == '[') {
          if (depth >= MAX_DEPTH) {
            return false;
          }
          if (c == '{') {
            stack[depth / 8] |= (uint8_t)(1u << (depth % 8));
          } else {
            stack[depth / 8] &= (uint8_t) ~(1u << (depth % 8));
          }
          depth++, i++;
          state = c == '{' ? S_KEY_OR_END : S_VALUE_OR_END;
        } else if (c == '"') {
          if (!scan_string(s, n, &i)) {
            return false;
          }
          state = S_AFTER;
        } else if (c == '-' || is_digit(c)) {
          if (!scan_number(s, n, &i)) {
            return false;
          }
          state = S_AFTER;
        } else if (scan_literal(s, n, &i)) {
          state = S_AFTER;
        } else {
          return false;
        }
        break;
      case S_KEY_OR_END:
        if (c == '}') {
          depth--, i++, state = S_AFTER;
          break;
        }
        /* fall through */
      case S_KEY:
        if (c != '"' || !scan_string(s, n, &i)) {
          return false;
        }
        state = S_COLON;
        break;
      case S_COLON:
        if (c != ':') {
          return false;
        }
        i++, state = S_VALUE;
        break;
      default: { /* S_AFTER inside a container */
        unsigned top = (unsigned)(depth - 1);
        bool in_object = ((unsigned)stack[top / 8] >> (top % 8)) & 1u;
        if (c == ',') {
          i++, state = in_object ? S_KEY : S_VALUE;
        } else if ((c == '}' && in_object) || (c == ']' && !in_object)) {
          depth--, i++, state = S_AFTER;
        } else {
          return false;
        }
      }
    }
  }
}

static bool tok_is(const vnet_json *doc, int t, const char *text) {
  size_t l = strlen(text);
  const struct vnet_tok *k = &doc->tok[t];
  return (size_t)(k->end - k->start) == l && memcmp(doc->js + k->start, text, l) == 0;
}

/* A key equals text once its escapes are decoded ("\u0069rq" is "irq", as Jackson reads it). */
static bool key_is(const vnet_json *doc, int t, const char *text) {
  char buf[24];
  size_t len;
  if (tok_is(doc, t, text)) {
    return true;
  }
  if (memchr(doc->js + doc->tok[t].start, '\\', (size_t)(doc->tok[t].end - doc->tok[t].start)) == NULL
      || vnet_json_string_tok(doc, t, buf, sizeof buf, &len) != VNET_OK) {
    return false;
  }
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
    if (key_is(doc, t, key)) {
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
  bool neg = false;
  if (k->type != VNET_TOK_PRIMITIVE || p == e) {
    return false;
  }
  if (*p == '-') {
    neg = true, p++;
  }
  if (p == e || !is_digit((uint8_t)*p)) {
    return false;
  }
  uint64_t v = 0;
  /* INT64_MAX (or its magnitude + 1 when negative) as tenth and last digit: no 64-bit division */
  const uint64_t tenth = (uint64_t)INT64_MAX / 10u;
  const unsigned last = neg ? 8u : 7u;
  for (; p < e; p++) {
    if (!is_digit((uint8_t)*p)) {
      return false;
    }
    unsigned d = (unsigned)(*p - '0');
    if (v > tenth || (v == tenth && d > last)) {
      return false; /* a BigInteger for Jackson: the wrong type */
    }
    v = v * 10u + d;
  }
  *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
  return true;
}

vnet_err vnet_json_parse(vnet_json *doc, const uint8_t *payload, size_t len) {
  return vnet_json_parse_max(doc, payload, len, VNET_MAX_PAYLOAD);
}

vnet_err vnet_json_parse_max(vnet_json *doc, const uint8_t *payload, size_t len, size_t max) {
  doc->js = (const char *)payload;
  doc->len = len;
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
  if (len >= 3 && payload[0] == 0xEF && payload[1] == 0xBB && payload[2] == 0xBF) {
    payload += 3, len -= 3; /* a UTF-8 byte order mark, which Jackson skips at the start */
    doc->js = (const char *)payload;
    doc->len = len;
  }
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
  int64_t version;
  if (v >= 0 && !(tok_int(doc, v, &version) && version == 1)) {
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

static unsigned hexval(char c) {
  return (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

static void put(char *out, size_t cap, size_t *n, uint32_t b) {
  if (*n + 1 < cap) {
    out[*n] = (char)b;
  }
  (*n)++;
}

static void put_cp(char *out, size_t cap, size_t *n, uint32_t cp) {
  if (cp < 0x80) {
    put(out, cap, n, cp);
  } else if (cp < 0x800) {
    put(out, cap, n, 0xC0 | (cp >> 6));
    put(out, cap, n, 0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    put(out, cap, n, 0xE0 | (cp >> 12));
    put(out, cap, n, 0x80 | ((cp >> 6) & 0x3F));
    put(out, cap, n, 0x80 | (cp & 0x3F));
  } else {
    put(out, cap, n, 0xF0 | (cp >> 18));
    put(out, cap, n, 0x80 | ((cp >> 12) & 0x3F));
    put(out, cap, n, 0x80 | ((cp >> 6) & 0x3F));
    put(out, cap, n, 0x80 | (cp & 0x3F));
  }
}

vnet_err vnet_json_string_tok(const vnet_json *doc, int t, char *out, size_t cap, size_t *len) {
  if (doc->tok[t].type != VNET_TOK_STRING) {
    return VNET_E_WRONG_TYPE;
  }
  const char *p = doc->js + doc->tok[t].start;
  const char *e = doc->js + doc->tok[t].end;
  size_t n = 0;
  while (p < e) {
    if (*p != '\\') {
      put(out, cap, &n, (uint8_t)*p++);
      continue;
    }
    char c = p[1];
    p += 2;
    if (c != 'u') {
      static const char from[] = "\"\\/bfnrt";
      static const char to[] = "\"\\/\b\f\n\r\t";
      put(out, cap, &n, (uint8_t)to[strchr(from, c) - from]);
      continue;
    }
    uint32_t cp = hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]);
    p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
      uint32_t lo = hexval(p[2]) << 12 | hexval(p[3]) << 8 | hexval(p[4]) << 4 | hexval(p[5]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
      }
    }
    put_cp(out, cap, &n, cp);
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

vnet_err vnet_json_instant(const vnet_json *doc, int obj, const char *key, vnet_instant *out) {
  char buf[48];
  size_t len;
  vnet_err e = vnet_json_string(doc, obj, key, buf, sizeof buf, &len);
  if (e != VNET_OK) {
    return e;
  }
  if (len >= sizeof buf || !vnet_instant_parse(buf, len, out)) {
    return VNET_E_WRONG_TYPE; /* as Json.instant: "not an ISO-8601 instant" */
  }
  return VNET_OK;
}
