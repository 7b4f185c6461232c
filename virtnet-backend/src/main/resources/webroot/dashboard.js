// virtnet dashboard: plain JS, no build step. State comes from the REST API at start (and after
// every SSE reconnect, so nothing missed while away stays stale), then from /api/events.
'use strict';

(function () {
  const TIMELINE_MAX = 10;
  const state = {
    phys: new Map(),      // "agent/ifname" -> phy JSON
    instances: new Map(), // name -> snapshot
    links: new Map(),     // "cpu/instance" -> {cpu, instance, view}
    timeline: new Map(),  // instance -> [{seq, t, what, cls, lat, title}], newest first, from the backend
  };

  // ---- helpers ----

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== undefined && c !== null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function badge(text, cls) {
    return el('span', { class: 'badge ' + cls }, text);
  }

  function updown(b) {
    return badge(b ? 'up' : 'down', b ? 'up' : 'down');
  }

  /** Sets a cell's content only when it changed, so rows are updated in place (stable elements). */
  function setCell(row, field, content, title) {
    const td = row.querySelector(`[data-field="${field}"]`);
    const key = content instanceof Node ? content.outerHTML : String(content);
    if (td.dataset.key !== key) {
      td.dataset.key = key;
      td.replaceChildren(content instanceof Node ? content : document.createTextNode(String(content)));
    }
    if (title !== undefined) td.title = title;
  }

  /** The keyed row of a table body, created (in key order) when missing. */
  function keyedRow(tbody, attr, key, cells, build) {
    let row = tbody.querySelector(`tr[${attr}="${CSS.escape(key)}"]`);
    if (row) return row;
    row = el('tr', { [attr]: key });
    for (const c of cells) row.append(el('td', { 'data-field': c }));
    build(row);
    const after = [...tbody.children].find(r => r.getAttribute(attr) > key);
    tbody.insertBefore(row, after || null);
    return row;
  }

  /** Parses an ISO-8601 instant keeping sub-millisecond digits (Date.parse drops them or refuses them). */
  function instantMs(s) {
    if (!s) return NaN;
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
    if (!m) return Date.parse(s);
    const frac = m[2] ? Number('0.' + m[2]) * 1000 : 0;
    return Date.parse(m[1] + 'Z') + frac;
  }

  function fmtLatency(view) {
    if (!view || !view.phyTs || !view.ts) return null;
    return fmtMs(instantMs(view.ts) - instantMs(view.phyTs));
  }

  function fmtMs(ms) {
    if (typeof ms !== 'number' || !isFinite(ms) || ms < 0) return null;
    return ms < 10 ? ms.toFixed(2) + ' ms' : ms < 1000 ? ms.toFixed(1) + ' ms' : (ms / 1000).toFixed(2) + ' s';
  }

  function fmtTime(d) {
    return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0').slice(0, 1);
  }

  function speedDuplex(speed, duplex) {
    const s = speed === undefined || speed < 0 ? '?' : speed >= 1000 && speed % 1000 === 0 ? (speed / 1000) + 'G' : speed + 'M';
    return `${s} / ${duplex || 'unknown'}`;
  }

  let toastTimer;
  function toast(msg, isError) {
    const t = document.getElementById('toast');
    t.textContent = msg;
    t.className = 'show' + (isError ? ' err' : '');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = ''; }, isError ? 5000 : 2000);
  }

  async function api(method, path, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
    if (!r.ok) {
      throw new Error((json && json.error) || `${method} ${path}: HTTP ${r.status}`);
    }
    return json;
  }

  function run(promise, okMsg) {
    promise.then(() => okMsg && toast(okMsg), e => toast(e.message, true));
  }

  // ---- actions ----

  function phyCmd(phy, op, value) {
    const body = value === undefined ? { op } : { op, value };
    run(api('POST', `/api/phys/${encodeURIComponent(phy.agent)}/${encodeURIComponent(phy.ifname)}/cmd`, body),
      `${phy.ifname}: ${op} ${value === undefined ? '' : value}`);
  }

  function setNotify(name, enabled) {
    run(api('PUT', `/api/instances/${encodeURIComponent(name)}/carrier-notify`, { enabled })
      .then(snap => applyInstance(snap)), `${name}: carrier-notify ${enabled ? 'on' : 'off'}`);
  }

  function announce(name) {
    run(api('POST', `/api/instances/${encodeURIComponent(name)}/announce`)
      .then(snap => applyInstance(snap)), `${name}: announce requested`);
  }

  function removeInstance(name) {
    run(api('DELETE', `/api/instances/${encodeURIComponent(name)}`), `${name} removed`);
  }

  function hotPlug(ev) {
    ev.preventDefault();
    const msg = document.getElementById('hp-msg');
    const [agent, phy] = document.getElementById('hp-phy').value.split('/');
    const body = {
      name: document.getElementById('hp-name').value.trim(),
      phy, agent,
      cpu: Number(document.getElementById('hp-cpu').value),
      irq: Number(document.getElementById('hp-irq').value),
    };
    msg.className = 'msg';
    msg.textContent = 'probing…';
    api('POST', '/api/instances', body).then(snap => {
      msg.className = 'msg ok';
      msg.textContent = `${body.name} probed on CPU ${body.cpu}`;
      applyInstance(snap);
      document.getElementById('hp-name').value = '';
      document.getElementById('hp-irq').value = body.irq + 1;
    }, e => {
      msg.className = 'msg err';
      msg.textContent = e.message;
    });
  }

  // ---- timeline: the backend keeps the last changes per instance (GET /api/timeline, SSE "timeline") ----

  function timelineEntry(e) {
    return { seq: e.seq, t: new Date(instantMs(e.ts)), what: e.what, cls: e.cls, lat: fmtMs(e.latencyMs), title: e.title };
  }

  /** Merges entries into an instance's list: de-duplicated by seq, newest first, at most TIMELINE_MAX. */
  function mergeTimeline(name, entries) {
    const bySeq = new Map((state.timeline.get(name) || []).map(e => [e.seq, e]));
    for (const e of entries) bySeq.set(e.seq, e);
    state.timeline.set(name, [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, TIMELINE_MAX));
  }

  function applyTimeline(ev) {
    if (!ev || !ev.instance || !ev.entry) return;
    mergeTimeline(ev.instance, [timelineEntry(ev.entry)]);
    renderTimeline();
  }

  function renderTimeline() {
    const root = document.getElementById('timeline');
    const names = [...new Set([...state.instances.keys(), ...state.timeline.keys()])].sort();
    for (const box of [...root.children]) {
      if (!names.includes(box.dataset.timeline)) box.remove();
    }
    for (const name of names) {
      let box = root.querySelector(`[data-timeline="${CSS.escape(name)}"]`);
      if (!box) {
        box = el('div', { class: 'tl', 'data-timeline': name }, el('h3', {}, name), el('ol'));
        const after = [...root.children].find(b => b.dataset.timeline > name);
        root.insertBefore(box, after || null);
      }
      const entries = state.timeline.get(name) || [];
      box.querySelector('ol').replaceChildren(...(entries.length ? entries.map(e =>
        el('li', { class: e.cls || '' }, el('span', { class: 't' }, fmtTime(e.t)), el('span', { class: 'what', title: e.title }, e.what),
          el('span', { class: 'lat', title: 'end-to-end: PHY event to driver view' }, e.lat || '')))
        : [el('li', {}, el('span', { class: 't' }, ''), el('span', { class: 'muted' }, 'no change yet'), '')]));
    }
  }

  // ---- PHYs ----

  const PHY_CELLS = ['agent', 'ifname', 'admin', 'carrier', 'operstate', 'mtu', 'mac', 'speed', 'counts', 'actions'];

  function applyPhy(p) {
    const key = `${p.agent}/${p.ifname}`;
    if (p.removed) {
      state.phys.delete(key);
    } else {
      state.phys.set(key, p);
    }
    renderPhys();
  }

  function renderPhys() {
    const tbody = document.querySelector('#phys tbody');
    for (const row of [...tbody.children]) {
      if (!state.phys.has(row.dataset.key)) row.remove();
    }
    for (const [key, p] of [...state.phys.entries()].sort()) {
      const row = keyedRow(tbody, 'data-key', key, PHY_CELLS, r => {
        r.dataset.phy = p.ifname;
        r.dataset.agent = p.agent;
        const ref = () => state.phys.get(key);
        r.querySelector('[data-field="actions"]').append(
          el('button', { class: 'pull-cable', 'data-phy': p.ifname, 'data-agent': p.agent, title: 'carrier off',
            onclick: () => phyCmd(ref(), 'carrier', false) }, 'pull cable'),
          el('button', { class: 'plug-cable', 'data-phy': p.ifname, 'data-agent': p.agent, title: 'carrier on',
            onclick: () => phyCmd(ref(), 'carrier', true) }, 'plug cable'),
          el('span', { class: 'sep' }),
          el('button', { class: 'admin-down', 'data-phy': p.ifname, 'data-agent': p.agent, title: 'ip link set down',
            onclick: () => phyCmd(ref(), 'admin', false) }, 'admin down'),
          el('button', { class: 'admin-up', 'data-phy': p.ifname, 'data-agent': p.agent, title: 'ip link set up',
            onclick: () => phyCmd(ref(), 'admin', true) }, 'admin up'));
      });
      const admin = (p.flags || []).includes('UP');
      setCell(row, 'agent', p.agent);
      setCell(row, 'ifname', el('b', {}, p.ifname), `ifindex ${p.ifindex}, ${p.reg}`);
      setCell(row, 'admin', badge(admin ? 'up' : 'down', admin ? 'up' : 'down'));
      setCell(row, 'carrier', updown(p.carrier));
      setCell(row, 'operstate', badge(p.operstate, p.operstate === 'UP' ? 'up' : p.operstate === 'DOWN' || p.operstate === 'LOWERLAYERDOWN' ? 'down' : 'neutral'));
      setCell(row, 'mtu', p.mtu);
      setCell(row, 'mac', el('span', { class: 'mono' }, p.address || '—'));
      setCell(row, 'speed', speedDuplex(p.speed, p.duplex));
      setCell(row, 'counts', `${p.carrierUpCount} / ${p.carrierDownCount}`);
      row.querySelector('.pull-cable').disabled = !p.carrier;
      row.querySelector('.plug-cable').disabled = p.carrier;
      row.querySelector('.admin-down').disabled = !admin;
      row.querySelector('.admin-up').disabled = admin;
    }
    document.getElementById('phys-empty').classList.toggle('hidden', state.phys.size > 0);
    renderPhySelect();
  }

  function renderPhySelect() {
    const sel = document.getElementById('hp-phy');
    const keys = [...state.phys.keys()].sort();
    const have = [...sel.options].map(o => o.value);
    if (have.join() === keys.join()) return;
    const chosen = sel.value;
    sel.replaceChildren(...keys.map(k => el('option', { value: k }, k)));
    if (keys.includes(chosen)) sel.value = chosen;
  }

  // ---- instances ----

  const INSTANCE_CELLS = ['name', 'phy', 'held', 'carrier', 'status', 'mac', 'generation', 'cpu', 'policy', 'notify', 'actions'];

  function pick(o, ...paths) {
    for (const p of paths) {
      const v = p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  /** Link policy state: suppressed (dampening), holding (hold timers), coalescing (linkwatch), or steady. */
  function policyCell(inst) {
    const wrap = el('span');
    const suppressed = pick(inst, 'policy.suppressed', 'counters.suppressed');
    const holding = pick(inst, 'policy.holdPending');
    const pending = pick(inst, 'policy.pending');
    const penalty = pick(inst, 'policy.penalty', 'counters.penalty');
    const coalesced = pick(inst, 'policy.coalesced', 'counters.coalesced');
    const flapsSuppressed = pick(inst, 'counters.flapsSuppressed');
    const debounced = pick(inst, 'policy.debounced', 'counters.debounced');
    if (suppressed === true) wrap.append(badge('suppressed', 'down'), ' ');
    else if (holding) wrap.append(badge('holding', 'warn'), ' ');
    else if (pending) wrap.append(badge('coalescing', 'warn'), ' ');
    else wrap.append(badge('steady', 'neutral'), ' ');
    const facts = [];
    if (penalty !== undefined) facts.push(`penalty ${typeof penalty === 'number' ? Math.round(penalty) : penalty}`);
    if (coalesced !== undefined) facts.push(`coalesced ${coalesced}`);
    if (typeof flapsSuppressed === 'number') facts.push(`suppressed ${flapsSuppressed}`);
    if (typeof debounced === 'number' && debounced > 0) facts.push(`debounced ${debounced}`);
    wrap.append(el('span', { class: 'muted' }, facts.join(' · ')));
    wrap.dataset.policy = suppressed === true ? 'suppressed' : holding ? 'holding' : pending ? 'coalescing' : 'steady';
    return wrap;
  }

  function statusBits(inst) {
    const s = inst.status || 0;
    return el('span', { class: 'bits', title: `status 0x${s.toString(16)}` },
      el('span', { class: 'bit' + (s & 1 ? ' set' : ''), 'data-bit': 'LINK_UP' }, 'LINK_UP'),
      el('span', { class: 'bit' + (s & 2 ? ' set' : ''), 'data-bit': 'ANNOUNCE' }, 'ANNOUNCE'));
  }

  function applyInstance(snap) {
    if (!snap || !snap.name) return;
    if (snap.removed) {
      state.instances.delete(snap.name);
      renderInstances();
      return;
    }
    state.instances.set(snap.name, snap);
    renderInstances();
  }

  function renderInstances() {
    const tbody = document.querySelector('#instances tbody');
    for (const row of [...tbody.children]) {
      if (!state.instances.has(row.dataset.instance)) row.remove();
    }
    for (const [name, inst] of [...state.instances.entries()].sort()) {
      const row = keyedRow(tbody, 'data-instance', name, INSTANCE_CELLS, r => {
        r.querySelector('[data-field="notify"]').append(el('button', {
          class: 'toggle toggle-notify', 'data-instance': name, title: 'carrier-notify: let the link status follow the PHY',
          onclick: ev => setNotify(name, ev.currentTarget.getAttribute('aria-pressed') !== 'true'),
        }));
        r.querySelector('[data-field="actions"]').append(el('button', {
          class: 'announce-instance', 'data-instance': name,
          title: 'announce-self: set VIRTIO_NET_S_ANNOUNCE, the driver sends gratuitous packets and ACKs',
          onclick: () => announce(name),
        }, 'announce'), ' ', el('button', {
          class: 'danger remove-instance', 'data-instance': name, title: 'hot-unplug', onclick: () => removeInstance(name),
        }, 'remove'));
      });
      setCell(row, 'name', el('b', {}, name), inst.driverLive ? 'driver live' : 'no driver yet');
      setCell(row, 'phy', `${inst.agent}/${inst.phy}`, inst.ifindex >= 0 ? `ifindex ${inst.ifindex}` : 'not bound');
      setCell(row, 'held', inst.bound ? badge('held', 'up') : badge('no', 'neutral'));
      setCell(row, 'carrier', updown(inst.linkUp));
      setCell(row, 'status', statusBits(inst));
      const macIgnored = pick(inst, 'counters.phyMacChangesIgnored') || 0;
      setCell(row, 'mac', el('span', { class: 'mono' }, inst.mac || '—',
        macIgnored ? el('span', { class: 'muted' }, ` (PHY MAC changed ×${macIgnored}, not written)`) : null),
        'the device\'s own MAC; PHY address changes are counted, not written');
      setCell(row, 'generation', el('span', { class: 'mono' }, inst.generation === undefined ? '—' : inst.generation));
      setCell(row, 'cpu', `${inst.cpu} / ${inst.irq}`);
      setCell(row, 'policy', policyCell(inst));
      row.querySelector('.announce-instance').disabled =
        !(inst.negotiatedFeatures || []).includes('GUEST_ANNOUNCE');
      const t = row.querySelector('.toggle-notify');
      t.setAttribute('aria-pressed', String(!!inst.carrierNotify));
      t.dataset.enabled = String(!!inst.carrierNotify);
      t.textContent = inst.carrierNotify ? 'on' : 'off';
    }
    renderTimeline();
    renderCpus();
  }

  // ---- RTOS CPUs ----

  function applyLink(l) {
    const key = `${l.cpu}/${l.instance}`;
    if (l.removed) {
      state.links.delete(key);
    } else {
      state.links.set(key, l);
    }
    renderCpus();
  }

  function renderCpus() {
    const root = document.getElementById('cpus');
    const cpus = new Map();
    for (const l of state.links.values()) {
      if (!cpus.has(l.cpu)) cpus.set(l.cpu, []);
      cpus.get(l.cpu).push(l);
    }
    for (const inst of state.instances.values()) {
      if (!cpus.has(inst.cpu)) cpus.set(inst.cpu, []);
    }
    const wanted = [...cpus.keys()].sort((a, b) => a - b);
    for (const box of [...root.children]) {
      if (!wanted.includes(Number(box.dataset.cpu))) box.remove();
    }
    for (const cpu of wanted) {
      let box = root.querySelector(`[data-cpu="${cpu}"]`);
      if (!box) {
        box = el('div', { class: 'cpu', 'data-cpu': cpu }, el('h3'), el('div', { class: 'drivers' }));
        const after = [...root.children].find(b => Number(b.dataset.cpu) > cpu);
        root.insertBefore(box, after || null);
      }
      const links = cpus.get(cpu).sort((a, b) => a.instance.localeCompare(b.instance));
      box.querySelector('h3').replaceChildren(`CPU ${cpu} `, el('span', { class: 'muted' }, `${links.length} driver${links.length === 1 ? '' : 's'}`));
      box.querySelector('.drivers').replaceChildren(...links.map(l => {
        const v = l.view;
        const lat = fmtLatency(v);
        const status = v.status & 1 ? 'LINK_UP' : '—';
        return el('div', { class: 'driver', 'data-link': l.instance, 'data-cpu': cpu },
          el('span', { class: 'name' }, l.instance, ' ', el('span', { class: 'muted', 'data-field': 'driver' }, v.driver)),
          el('span', { 'data-field': 'carrier' }, updown(v.carrier)),
          el('span', { class: 'facts' },
            `announces ${v.announces} · gen ${v.generation} · ${status} · mtu ${v.mtu} · ${speedDuplex(v.speed, v.duplex)}`
            + (lat ? ` · last ${lat}` : '')));
      }));
    }
    document.getElementById('cpus-empty').classList.toggle('hidden', state.links.size > 0);
  }

  // ---- health ----

  async function pollHealth() {
    const h = document.getElementById('health');
    try {
      const r = await fetch('/health');
      const j = await r.json();
      const up = r.ok && j.status === 'UP';
      h.className = 'pill ' + (up ? 'on' : 'bad');
      h.dataset.status = j.status;
      const repairs = Object.entries(j.repairs || {});
      const repaired = repairs.reduce((n, [, c]) => n + c, 0);
      h.textContent = `health ${j.status} · ${j.instancesBound}/${j.instances} bound`
        + (repaired ? ` · ${repaired} repair${repaired === 1 ? '' : 's'}` : '');
      h.dataset.repairs = String(repaired);
      const problems = [];
      for (const [kind, n] of repairs) problems.push(`repaired ${kind}: ${n}`);
      if (!j.broker) problems.push('broker disconnected');
      for (const a of j.agentsOffline || []) problems.push(`agent ${a} offline`);
      for (const i of j.instancesUnbound || []) problems.push(`${i} holds no PHY`);
      h.title = problems.length ? problems.join('\n') : 'broker connected, agents online, instances bound';
    } catch (e) {
      h.className = 'pill bad';
      h.textContent = 'health unreachable';
    }
  }

  // ---- loading and live events ----

  async function loadAll() {
    const [phys, instances, links, timeline] = await Promise.all([
      api('GET', '/api/phys'), api('GET', '/api/instances'), api('GET', '/api/frontends'), api('GET', '/api/timeline')]);
    state.phys = new Map(phys.map(p => [`${p.agent}/${p.ifname}`, p]));
    // the backend's timeline is the truth; entries that came by SSE meanwhile are merged by seq
    for (const [name, entries] of Object.entries(timeline || {})) mergeTimeline(name, entries.map(timelineEntry));
    const names = new Set(instances.map(i => i.name));
    for (const n of [...state.instances.keys()]) if (!names.has(n)) state.instances.delete(n);
    for (const i of instances) applyInstance(i);
    state.links = new Map(links.map(l => [`${l.cpu}/${l.instance}`, l]));
    state.ready = true;
    renderPhys();
    renderInstances();
    document.body.dataset.loaded = 'true';
  }

  function connect() {
    const sse = document.getElementById('sse-state');
    const es = new EventSource('/api/events');
    es.onopen = () => {
      sse.className = 'pill on';
      sse.dataset.state = 'live';
      sse.textContent = 'live';
      loadAll().catch(e => toast('load failed: ' + e.message, true));
    };
    es.onerror = () => {
      sse.className = 'pill bad';
      sse.dataset.state = 'reconnecting';
      sse.textContent = 'reconnecting…';
    };
    const handle = fn => ev => {
      try { fn(JSON.parse(ev.data)); } catch (e) { console.error('bad event', ev.data, e); }
    };
    es.addEventListener('instance', handle(applyInstance));
    es.addEventListener('phy', handle(applyPhy));
    es.addEventListener('link', handle(applyLink));
    es.addEventListener('timeline', handle(applyTimeline));
  }

  document.getElementById('hotplug').addEventListener('submit', hotPlug);
  connect();
  pollHealth();
  setInterval(pollHealth, 3000);
})();
