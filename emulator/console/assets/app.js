// api-driven console: plain JavaScript, no framework, no network beyond
// the emulator. Every URL is relative, so the page works through a
// Codespace's forwarded port. Data is always inserted as text (never as
// HTML): request paths, headers and logs come from anyone.
"use strict";

const $ = (id) => document.getElementById(id);

// el builds an element: el("div", {class: "x", text: "y", attrs}, ...children).
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const MAX_LISTED = 200;
const ROUTES = ["start", "stop", "status"];
const state = {
  traces: new Map(),   // id -> view
  selected: null,      // id of the trace shown
  follow: true,        // show the newest request as it arrives
  resources: null,
  instances: new Map(),
  project: null,       // {api, stage}
  dots: new Map(),     // id -> moving dot
  live: false,
  openParts: new Map(), // <details> part -> open, kept across re-renders
};

async function getJSON(url) {
  const r = await fetch(url, {cache: "no-store", headers: {Accept: "application/json"}});
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

function ms(v) {
  if (v === undefined || v === null) return "";
  if (v >= 1000) return (v / 1000).toFixed(2) + " s";
  if (v >= 10) return v.toFixed(1) + " ms";
  return v.toFixed(2) + " ms";
}

function clock(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"});
}

// ---- live connection -------------------------------------------------

function setLive(on, text) {
  state.live = on;
  const l = $("live");
  l.textContent = text || (on ? "live" : "reconnecting…");
  l.className = "live " + (on ? "on" : "off");
}

let pollTimer = null;
function connect() {
  if (!window.EventSource) { poll(); return; }
  const es = new EventSource("events");
  state.es = es;
  let opened = false;
  es.addEventListener("open", () => {
    setLive(true);
    if (opened) refresh(); // back after a drop: catch up
    opened = true;
    clearInterval(pollTimer);
    pollTimer = null;
  });
  es.addEventListener("error", () => {
    setLive(false);
    if (!pollTimer) pollTimer = setInterval(refresh, 3000);
  });
  es.addEventListener("trace", (e) => upsert(JSON.parse(e.data), true));
  es.addEventListener("state", (e) => onState(JSON.parse(e.data)));
}

function poll() {
  state.polling = true;
  clearInterval(pollTimer);
  setLive(false, "polling");
  setInterval(refresh, 2000);
}

async function refresh() {
  await Promise.allSettled([loadResources(), loadTraces()]);
}

// ---- traces ----------------------------------------------------------

async function loadTraces() {
  const l = await getJSON("traces?limit=" + MAX_LISTED);
  if (!l.enabled) {
    // Without traces there is no event stream: the instances are polled.
    if (state.es) { state.es.close(); state.es = null; }
    if (!state.polling) poll();
    $("request-list").replaceChildren(el("li", {class: "empty", text: "Tracing is off: the emulator runs with -trace-ring 0."}));
    return;
  }
  for (const v of l.traces.reverse()) upsert(v, false);
}

let listPending = false;
function upsert(v, live) {
  const old = state.traces.get(v.id);
  if (old && old.seq === v.seq && JSON.stringify(old) === JSON.stringify(v)) return;
  state.traces.set(v.id, v);
  if (state.traces.size > MAX_LISTED) {
    const oldest = [...state.traces.values()].sort((a, b) => a.seq - b.seq)[0];
    state.traces.delete(oldest.id);
  }
  if (live) travel(v);
  if (state.follow && (!state.selected || v.seq >= (state.traces.get(state.selected) || {seq: 0}).seq)) state.selected = v.id;
  if (!listPending) {
    listPending = true;
    requestAnimationFrame(() => { listPending = false; renderList(); renderDetail(); });
  }
  if (live && v.match) noteFlow(v);
}

function sortedTraces() {
  return [...state.traces.values()].sort((a, b) => b.seq - a.seq);
}

function statusClass(v) {
  if (!v.response) return "wait";
  return v.response.status < 400 ? "ok" : "bad";
}

function renderList() {
  const list = $("request-list");
  const traces = sortedTraces();
  $("request-count").textContent = traces.length ? `(${traces.length}, newest first)` : "";
  if (!traces.length) {
    list.replaceChildren(el("li", {class: "empty", text: "No request yet: press Status, or open one of the stage URLs."}));
    return;
  }
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
  list.replaceChildren(...traces.map((v) => {
    const tags = [];
    tags.push(el("span", {class: "tag", text: v.request.urlForm}));
    for (const inv of v.invocations) {
      if (inv.cold) tags.push(el("span", {class: "tag cold", text: "cold start"}));
      for (const c of inv.calls) tags.push(el("span", {class: "tag call", text: `${c.service} ${c.action}`}));
    }
    if (!v.match && v.unmatched) tags.push(el("span", {class: "tag", text: "no match"}));
    const b = el("button", {type: "button", "data-id": v.id, "aria-current": v.id === state.selected ? "true" : "false",
      on: {click: () => select(v.id), keydown: listKeys}},
      el("span", {class: "req-status " + statusClass(v), text: v.response ? v.response.status : "…"}),
      el("span", {class: "req-path", text: `${v.request.method} ${v.request.path}`}),
      el("span", {class: "req-time", text: v.response ? ms(v.response.latencyMs) : clock(v.time)}),
      el("span", {class: "req-tags"}, tags));
    return el("li", {}, b);
  }));
  if (focused) {
    const again = list.querySelector(`button[data-id="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function listKeys(e) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  e.preventDefault();
  const li = e.currentTarget.parentElement;
  const next = e.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
  const b = next && next.querySelector("button");
  if (b) { b.focus(); select(b.dataset.id); }
}

function select(id) {
  state.selected = id;
  state.follow = sortedTraces()[0]?.id === id;
  renderList();
  renderDetail();
}

// ---- a request's detail and waterfall -------------------------------

function renderDetail() {
  const box = $("detail");
  const v = state.traces.get(state.selected);
  if (!v) return;
  for (const d of box.querySelectorAll("details[data-part]")) state.openParts.set(d.dataset.part, d.open);
  const open = (part, byDefault) => state.openParts.has(part) ? state.openParts.get(part) : byDefault;
  const head = `${v.request.method} ${v.request.path}${v.request.query ? "?" + v.request.query : ""}`;
  const parts = [el("h3", {text: head})];
  const resp = v.response
    ? `HTTP ${v.response.status}${v.response.errorType ? " " + v.response.errorType : ""} · ${v.response.bytes} bytes · ${ms(v.response.latencyMs)}`
    : "in flight…";
  parts.push(el("p", {class: "summary"}, clock(v.time), " · ", resp, " · via ", el("code", {text: v.request.urlForm})));
  if (v.match) {
    const m = v.match;
    parts.push(el("p", {class: "summary"}, "Matched ", el("code", {text: `${m.method} ${m.resource}`}),
      ` on API ${m.api}${m.apiName ? " (" + m.apiName + ")" : ""}, stage ${m.stage}${m.integration ? ", " + m.integration + " integration" : ""}.`));
  } else if (v.unmatched) {
    parts.push(el("p", {class: "why"}, el("strong", {text: "Nothing matched: "}), v.unmatched));
  }
  for (const n of v.notes || []) parts.push(el("p", {class: "note", text: n}));
  parts.push(waterfall(v));
  v.invocations.forEach((inv, i) => {
    const facts = [`${inv.function} ${inv.version}`, inv.cold ? "cold start" : "warm"];
    if (inv.sandbox) facts.push("sandbox " + inv.sandbox);
    if (inv.billedMs) facts.push(`billed ${inv.billedMs} ms`);
    if (inv.maxMemoryMB) facts.push(`max memory ${inv.maxMemoryMB} MB`);
    if (inv.error) facts.push("error: " + inv.error);
    parts.push(el("h3", {text: v.invocations.length > 1 ? `Invocation ${i + 1}` : "Invocation"}));
    parts.push(el("p", {class: "summary", text: facts.join(" · ")}));
    parts.push(el("details", {"data-part": `event-${i}`, open: open(`event-${i}`, false)},
      el("summary", {text: "Event sent to the function (credentials redacted)"}),
      el("pre", {class: "event", text: JSON.stringify(inv.event, null, 2)})));
    parts.push(el("details", {"data-part": `log-${i}`, open: open(`log-${i}`, true)},
      el("summary", {text: "Function log"}),
      el("pre", {class: "log", text: inv.logs.length ? inv.logs.join("\n") : (inv.done ? "(empty)" : "(arriving…)")})));
  });
  box.replaceChildren(...parts);
}

// waterfall draws one row per hop, scaled to the response's latency.
function waterfall(v) {
  const rows = [];
  const latency = v.response ? v.response.latencyMs : 0;
  let total = latency;
  for (const inv of v.invocations) total = Math.max(total, (inv.handlerStartMs || inv.startMs) + (inv.handlerMs || 0));
  total = Math.max(total, 0.001);
  const row = (label, cls, start, dur, text) => {
    const bar = el("span", {class: "bar " + cls});
    bar.style.left = Math.min(100, Math.max(0, (start / total) * 100)) + "%";
    bar.style.width = Math.max(0.5, Math.min(100, (dur / total) * 100)) + "%";
    rows.push(el("span", {class: "label", title: label, text: label}), el("span", {class: "track"}, bar), el("span", {class: "dur", text: text ?? ms(dur)}));
  };
  if (v.response) row("API Gateway", "apigw", 0, latency);
  for (const inv of v.invocations) {
    if (inv.cold) row("Lambda init (cold)", "init", inv.initStartMs, inv.initMs);
    row(`handler ${inv.function}`, "handler", inv.handlerStartMs || inv.startMs, inv.handlerMs || 0);
    for (const c of inv.calls) {
      row(`${c.service} ${c.action}${c.summary ? " " + c.summary : ""}${c.errorCode ? " ✗ " + c.errorCode : ""}`,
        c.service === "ec2" ? "ec2" : "", c.startMs, c.durationMs);
    }
  }
  // One instance (the usual case): its id is in the calls' labels already.
  const several = new Set(v.transitions.map((t) => t.instanceId)).size > 1;
  for (const t of v.transitions) {
    const label = `${several ? t.instanceId + " " : "EC2 "}${t.from || "(launched)"} → ${t.to}`;
    if (v.response && t.afterMs > latency) {
      rows.push(el("span", {class: "label", title: label, text: label}), el("span", {class: "later", text: `+${ms(t.afterMs)}, after the response`}));
      continue;
    }
    const mark = el("span", {class: "bar mark"});
    mark.style.left = Math.min(99, (t.afterMs / total) * 100) + "%";
    rows.push(el("span", {class: "label", title: label, text: label}), el("span", {class: "track"}, mark), el("span", {class: "dur", text: "+" + ms(t.afterMs)}));
  }
  return el("div", {class: "waterfall", role: "table", "aria-label": "Waterfall: one row per hop"}, rows);
}

// ---- the path drawn, with requests travelling along it ---------------

const NODES = {browser: "node-browser", apigw: "node-apigw", lambda: "node-lambda", ec2: "node-ec2"};

function reach(v) {
  const hops = ["browser", "apigw"];
  if (v.invocations.length) hops.push("lambda");
  if (v.invocations.some((i) => i.calls.some((c) => c.service === "ec2"))) hops.push("ec2");
  return hops;
}

// spot is where a dot sits at a node: on its bottom border, under its text.
function spot(node) {
  const d = $("diagram").getBoundingClientRect();
  const r = $(NODES[node]).getBoundingClientRect();
  return [r.left - d.left + r.width / 2, r.bottom - d.top - 1];
}

function travel(v) {
  let dot = state.dots.get(v.id);
  if (!dot) {
    if (Date.now() - new Date(v.time).getTime() > 15000 || state.dots.size > 20) return;
    const e = el("span", {class: "dot", "aria-hidden": "true"});
    $("diagram").append(e);
    dot = {e, at: "browser", seen: ["browser"], queue: [], moving: false, back: false};
    place(dot, "browser");
    state.dots.set(v.id, dot);
  }
  for (const h of reach(v)) {
    if (!dot.seen.includes(h)) { dot.seen.push(h); dot.queue.push(h); }
  }
  if (v.response && !dot.back) {
    dot.back = true;
    if (v.response.status >= 400) dot.e.classList.add("err");
    dot.queue.push("browser", "done");
  }
  if (!dot.moving) step(v.id, dot);
}

function place(dot, node) {
  const [x, y] = spot(node);
  dot.e.style.transform = `translate(${x}px, ${y}px)`;
}

function step(id, dot) {
  const next = dot.queue.shift();
  if (!next) { dot.moving = false; return; }
  dot.moving = true;
  if (next === "done") {
    dot.e.classList.add("gone");
    setTimeout(() => { dot.e.remove(); state.dots.delete(id); }, 450);
    return;
  }
  place(dot, next);
  const n = $(NODES[next]);
  n.classList.add("hot");
  setTimeout(() => n.classList.remove("hot"), 500);
  setTimeout(() => step(id, dot), 380);
}

function noteFlow(v) {
  const m = v.match;
  $("apigw-detail").textContent = `${m.apiName || m.api} · ${m.stage} · ${m.method} ${m.resource}`;
  const inv = v.invocations[v.invocations.length - 1];
  if (inv) $("lambda-detail").textContent = `${inv.function} · ${inv.cold ? "cold start" : "warm"}${inv.handlerMs ? " · " + ms(inv.handlerMs) : ""}`;
}

// ---- instances, buttons and URL forms --------------------------------

async function loadResources() {
  const res = await getJSON("resources");
  state.resources = res;
  state.instances = new Map(res.instances.map((i) => [i.instanceId, i]));
  $("version").textContent = res.version || "";
  state.project = projectAPI(res.restApis);
  renderInstances();
  renderProject();
  renderResources();
}

// projectAPI is the API with start, stop and status routes and a stage:
// the one `go tool mage all` deployed (tagged Project=api-driven).
function projectAPI(apis) {
  const fits = apis.filter((a) => a.stages.length && ROUTES.every((r) => a.routes.some((x) => x.path === "/" + r)));
  fits.sort((a, b) => Number((b.tags || {}).Project === "api-driven") - Number((a.tags || {}).Project === "api-driven"));
  const api = fits[0];
  if (!api) return null;
  const stage = (api.stages.find((s) => s.stageName === "prod") || api.stages[0]).stageName;
  return {api, stage};
}

function projectInstances() {
  const all = [...state.instances.values()].filter((i) => i.state !== "terminated");
  const tagged = all.filter((i) => (i.tags || {}).Project === "api-driven");
  return tagged.length ? tagged : all;
}

function badge(s) {
  return el("span", {class: "badge " + s, text: s});
}

function renderInstances() {
  const list = projectInstances();
  const box = $("instances");
  if (!list.length) {
    box.replaceChildren(el("p", {class: "empty"}, "No instance yet: run ", el("code", {text: "go tool mage all"}), "."));
    $("ec2-detail").textContent = "no instance";
    return;
  }
  box.replaceChildren(...list.map((i) => el("div", {class: "instance", "data-instance": i.instanceId},
    el("span", {class: "id", text: i.instanceId}),
    el("span", {class: "name", text: (i.tags || {}).Name || i.instanceType}),
    el("span", {class: "badge " + i.state, role: "status", "aria-label": `${i.instanceId} is ${i.state}`, text: i.state}))));
  const first = list[0];
  $("ec2-detail").replaceChildren(first.instanceId + " ", badge(first.state));
}

function onState(e) {
  const i = state.instances.get(e.instanceId);
  if (i) {
    i.state = e.state;
    renderInstances();
  }
  clearTimeout(onState.timer);
  onState.timer = setTimeout(() => loadResources().catch(() => {}), 400);
}

function stageURL(route) {
  const p = state.project;
  return `/_aws/execute-api/${encodeURIComponent(p.api.id)}/${encodeURIComponent(p.stage)}/${route}`;
}

function renderProject() {
  const p = state.project;
  $("actions").hidden = !p;
  $("urls").hidden = !p;
  $("apikey-row").hidden = !p || !p.api.routes.some((r) => r.apiKeyRequired);
  if (!p) return;
  $("api-label").textContent = `via API ${p.api.name} (${p.api.id}), stage ${p.stage}`;
  const host = location.hostname;
  const local = host === "localhost" || host === "127.0.0.1" || host === "[::1]";
  const port = local ? (location.port ? ":" + location.port : "") : ":4566";
  const forms = [
    ["/_aws/execute-api", location.origin + stageURL("status")],
    ["*.execute-api.* host", `http://${p.api.id}.execute-api.localhost.localstack.cloud${port}/${p.stage}/status`],
    ["_user_request_", `${location.origin}/restapis/${p.api.id}/${p.stage}/_user_request_/status`],
  ];
  $("url-list").replaceChildren(...forms.map(([form, url]) => {
    const input = el("input", {type: "text", readonly: true, value: url, "aria-label": `${form} URL`});
    const button = el("button", {type: "button", class: "copy", text: "Copy", "aria-label": `Copy the ${form} URL`,
      on: {click: () => copy(input, button)}});
    return el("li", {}, el("span", {class: "form", text: form}), input, button);
  }));
}

async function copy(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

async function call(route, button) {
  if (!state.project) return;
  const out = $("answer");
  button.disabled = true;
  out.hidden = false;
  out.textContent = `${route === "status" ? "GET" : "POST"} ${stageURL(route)} …`;
  try {
    const key = $("apikey").value.trim();
    const headers = key ? {"x-api-key": key} : {};
    const r = await fetch(stageURL(route), {method: route === "status" ? "GET" : "POST", cache: "no-store", headers});
    const text = await r.text();
    let body = text;
    try { body = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as is */ }
    out.textContent = `HTTP ${r.status}\n${body}`;
    if (r.status === 403 && !key && !$("apikey-row").hidden) out.textContent += "\n\nThe method requires an API key: paste its value in the x-api-key field above.";
  } catch (err) {
    out.textContent = `${route} failed: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

// ---- the resource browser -------------------------------------------

function card(title, ...body) {
  return el("div", {class: "card"}, el("h4", {}, title), body);
}

function facts(pairs) {
  return el("dl", {}, pairs.filter(([, v]) => v !== undefined && v !== "" && v !== null).flatMap(([k, v]) => [el("dt", {text: k}), el("dd", {}, v)]));
}

function section(id, items, render) {
  const d = $(id);
  d.querySelector(".count").textContent = `(${items.length})`;
  d.querySelector(".body").replaceChildren(...(items.length ? items.map(render) : [el("p", {class: "empty", text: "none"})]));
}

// shortTarget names a Lambda integration's function rather than its ARN.
function shortTarget(target) {
  const i = (target || "").indexOf(":function:");
  return i >= 0 ? target.slice(i + ":function:".length) : target;
}

function pretty(doc) {
  return el("pre", {text: typeof doc === "string" ? doc : JSON.stringify(doc, null, 2)});
}

function renderResources() {
  const r = state.resources;
  section("res-instances", r.instances, (i) => card([i.instanceId + " ", badge(i.state)], facts([
    ["name", (i.tags || {}).Name], ["type", i.instanceType], ["image", i.imageId], ["zone", i.availabilityZone],
    ["private IP", i.privateIpAddress], ["public IP", i.publicIpAddress], ["launched", new Date(i.launchTime).toLocaleString()],
    ["tags", Object.entries(i.tags || {}).map(([k, v]) => `${k}=${v}`).join(", ")],
  ])));
  section("res-functions", r.functions, (f) => card(f.name, facts([
    ["runtime", f.runtime], ["handler", f.handler], ["role", f.role], ["memory", f.memorySize + " MB"],
    ["timeout", f.timeout + " s"], ["state", f.state], ["versions", (f.versions || []).join(", ")],
    ["aliases", (f.aliases || []).map((a) => `${a.name} → ${a.functionVersion}`).join(", ")],
    ["code", f.codeSize + " bytes"], ["modified", new Date(f.lastModified).toLocaleString()],
  ])));
  section("res-apis", r.restApis, (a) => card(`${a.name} (${a.id})`,
    facts([["stages", a.stages.map((s) => `${s.stageName} → deployment ${s.deploymentId}`).join(", ") || "none: not deployed yet"]]),
    el("table", {},
      el("thead", {}, el("tr", {}, ["Method", "Path", "Auth", "Integration"].map((h) => el("th", {scope: "col", text: h})))),
      el("tbody", {}, a.routes.map((rt) => el("tr", {},
        el("td", {text: rt.httpMethod}), el("td", {}, el("code", {text: rt.path})), el("td", {text: rt.authorizationType + (rt.apiKeyRequired ? " + API key" : "")}),
        el("td", {text: [rt.integration, shortTarget(rt.target)].filter(Boolean).join(" → ")})))))));
  section("res-roles", r.roles, (role) => card(role.roleName,
    facts([["ARN", role.arn], ["description", role.description]]),
    el("details", {}, el("summary", {text: "Trust policy (who may assume it)"}), pretty(role.assumeRolePolicyDocument)),
    role.policies.map((p) => el("details", {open: true}, el("summary", {text: `${p.kind} policy ${p.name}`}),
      p.document ? pretty(p.document) : el("p", {class: "empty", text: `${p.arn}: not held by this emulator`})))));
}

// ---- start -----------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#actions button")) b.addEventListener("click", () => call(b.dataset.route, b));
  $("btn-refresh").addEventListener("click", () => loadResources());
  connect();
  refresh();
  // Changes no call made (a container that exited) show within 10 s.
  setInterval(() => { if (document.visibilityState === "visible" && state.live) loadResources().catch(() => {}); }, 10000);
  window.addEventListener("resize", () => {
    for (const dot of state.dots.values()) place(dot, dot.seen[dot.seen.length - 1]);
  });
});
