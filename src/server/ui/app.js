// verso's dashboard. Regions and agents are polled (an agent turns stale by silence, which
// no event announces); the browsed collection follows the region's watch stream, read with
// fetch so the token can go in a header, as EventSource cannot send one.
const TOKEN_KEY = "verso.token";
const POLL_MS = 1000;
const RATE_WINDOW_MS = 5000;
const PAGE = 100;

const $ = (id) => document.getElementById(id);
const regionPath = (region) => `/v1/regions/${encodeURIComponent(region)}`;

let token = sessionStorage.getItem(TOKEN_KEY);
let pollTimer;
/** name → { region, version, floor, samples: [[time, head]...] } */
const regions = new Map();
const collections = new Set();
/** The collection shown: { region, collection, rows: Map(key → row), next, controller } */
let browsing;

class Unauthorized extends Error {}

async function api(path, init = {}) {
  const headers = { accept: "application/json", ...init.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) throw new Unauthorized();
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.error?.message ?? `${path}: HTTP ${response.status}`);
  }
  return init.stream ? response : response.json();
}

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function cell(row, text, className, title) {
  const td = row.insertCell();
  td.textContent = text ?? "–";
  if (className) td.className = className;
  if (title) td.title = title;
  return td;
}

function fail(error) {
  if (error instanceof Unauthorized) askToken(token ? "The server refused this token." : "");
  else status(error.message, true);
}

// --- the token: asked once, kept for the tab's session ---

function askToken(message) {
  clearTimeout(pollTimer);
  browsing?.controller.abort();
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $("main").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
}

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  $("token").value = "";
  sessionStorage.setItem(TOKEN_KEY, token);
  start();
});

$("sign-out").addEventListener("click", () => askToken(""));

// --- regions and agents ---

async function poll() {
  try {
    const [listed, fleet] = await Promise.all([api("/v1/regions"), api("/v1/agents")]);
    showRegions(listed.regions, fleet.agents);
    showAgents(fleet.agents);
    status(`updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    fail(error);
    if (error instanceof Unauthorized) return;
  }
  pollTimer = setTimeout(poll, POLL_MS);
}

function noteHead(name, head, now = Date.now()) {
  const region = regions.get(name);
  if (!region || head < region.version) return;
  region.version = head;
  region.samples.push([now, head]);
  while (region.samples.length > 2 && (region.samples[0]?.[0] ?? now) < now - RATE_WINDOW_MS) region.samples.shift();
}

function writeRate(region) {
  const first = region.samples[0];
  const last = region.samples.at(-1);
  if (!first || !last || last[0] === first[0]) return 0;
  return ((last[1] - first[1]) * 1000) / (last[0] - first[0]);
}

function showRegions(listed, agents) {
  const now = Date.now();
  for (const r of listed) {
    if (!regions.has(r.region)) regions.set(r.region, { ...r, samples: [] });
    regions.get(r.region).floor = r.floor;
    noteHead(r.region, r.version, now);
  }
  const tbody = $("regions").tBodies[0];
  tbody.replaceChildren();
  for (const r of listed) {
    const region = regions.get(r.region);
    const row = tbody.insertRow();
    row.dataset.region = r.region;
    cell(row, r.region);
    cell(row, String(region.version), "n head");
    cell(row, String(region.floor), "n");
    cell(row, writeRate(region).toFixed(1), "n rate");
    const counts = {};
    for (const a of agents) if (a.region === r.region) counts[a.state] = (counts[a.state] ?? 0) + 1;
    cell(
      row,
      Object.entries(counts)
        .map(([state, n]) => `${n} ${state}`)
        .join(", ") || "none",
    );
  }
  $("no-regions").hidden = listed.length > 0;
  const select = $("region");
  const chosen = select.value || browsing?.region;
  select.replaceChildren(...listed.map((r) => new Option(r.region, r.region)));
  if (chosen && listed.some((r) => r.region === chosen)) select.value = chosen;
}

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return seconds < 90 ? `${seconds}s ago` : seconds < 5400 ? `${Math.round(seconds / 60)}m ago` : `${Math.round(seconds / 3600)}h ago`;
}

function showAgents(agents) {
  const tbody = $("agents").tBodies[0];
  tbody.replaceChildren();
  const sorted = [...agents].sort((a, b) => a.region.localeCompare(b.region) || (a.name ?? a.id).localeCompare(b.name ?? b.id));
  for (const a of sorted) {
    const row = tbody.insertRow();
    row.dataset.agent = a.id;
    row.dataset.state = a.state;
    cell(row, a.region);
    cell(row, a.name ?? a.id, "", a.id);
    cell(row, a.state, "state");
    cell(row, String(a.applied), "n");
    cell(row, a.handled === null ? null : String(a.handled), "n");
    cell(row, String(a.lagVersions), "n");
    cell(row, a.lagSeconds.toFixed(1), "n");
    cell(row, ago(a.lastSeen), "", a.lastSeen);
    cell(row, a.transport);
  }
  $("no-agents").hidden = agents.length > 0;
}

// --- the row browser ---

$("browse").addEventListener("submit", (event) => {
  event.preventDefault();
  browse($("region").value, $("collection").value.trim()).catch(fail);
});

$("more").addEventListener("click", () => {
  if (browsing) loadPage(browsing).catch(fail);
});

async function browse(region, collection) {
  browsing?.controller.abort();
  const current = { region, collection, rows: new Map(), next: null, controller: new AbortController() };
  browsing = current;
  history.replaceState(null, "", `#${new URLSearchParams({ region, collection })}`);
  addCollection(collection);
  // The head first, then the rows: whatever commits in between comes again on the stream.
  const head = await api(regionPath(region));
  await loadPage(current);
  follow(current, head.version, head.epoch);
}

async function loadPage(b) {
  const after = b.next === null ? "" : `&after=${encodeURIComponent(b.next)}`;
  const page = await api(`${regionPath(b.region)}/collections/${encodeURIComponent(b.collection)}/rows?limit=${PAGE}${after}`);
  if (b !== browsing) return;
  for (const row of page.rows) b.rows.set(row.key, row);
  b.next = page.next;
  showRows(b, new Set());
}

function showRows(b, changed) {
  const tbody = $("rows").tBodies[0];
  tbody.replaceChildren();
  const keys = [...b.rows.keys()].sort();
  for (const key of keys) {
    const r = b.rows.get(key);
    const row = tbody.insertRow();
    row.dataset.key = key;
    if (changed.has(key)) row.className = "changed";
    cell(row, key);
    cell(row, String(r.version), "n");
    const json = JSON.stringify(r.value);
    cell(row, json.length > 300 ? `${json.slice(0, 300)}…` : json, "value", json.length > 300 ? json : "");
  }
  $("rows").hidden = keys.length === 0;
  $("no-rows").hidden = keys.length > 0;
  $("more").hidden = b.next === null;
}

function addCollection(name) {
  if (collections.has(name)) return;
  collections.add(name);
  $("collections").append(new Option(name));
}

function applyPage(b, page) {
  noteHead(b.region, page.head);
  // The head is news at once; the rest of the region's line waits for the next poll.
  const headCell = document.querySelector(`#regions tr[data-region="${CSS.escape(b.region)}"] .head`);
  if (headCell) headCell.textContent = String(regions.get(b.region)?.version ?? page.head);
  if (page.reset) b.rows.clear();
  const changed = new Set();
  for (const op of page.ops) {
    if (op.op === "clear") continue;
    addCollection(op.collection);
    if (op.collection !== b.collection) continue;
    // Rows past the loaded pages stay for "More", in key order.
    if (b.next !== null && op.key > b.next) continue;
    if (op.op === "put") b.rows.set(op.key, { key: op.key, version: op.version, value: op.value });
    else b.rows.delete(op.key);
    changed.add(op.key);
  }
  if (changed.size > 0 || page.reset) showRows(b, changed);
}

function live(on) {
  $("live").textContent = on ? "● live" : "○ reconnecting";
  $("live").dataset.live = String(on);
}

/** One SSE block: `event:`, `id:` and `data:` lines. */
function parseEvent(block) {
  const event = { type: "message", data: "" };
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event.type = value;
    else if (field === "id") event.id = value;
    else if (field === "data") event.data += value;
  }
  return event;
}

async function follow(b, since, epoch) {
  let lastId = null;
  const signal = b.controller.signal;
  while (!signal.aborted) {
    try {
      const query = lastId === null ? `?since=${since}&epoch=${encodeURIComponent(epoch)}` : "";
      const headers = lastId === null ? {} : { "last-event-id": lastId };
      const response = await api(`${regionPath(b.region)}/watch${query}`, { headers, signal, stream: true });
      live(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replaceAll("\r", "");
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.id !== undefined) lastId = event.id;
          if (event.type === "changes") applyPage(b, JSON.parse(event.data));
          else if (event.type === "progress") noteHead(b.region, JSON.parse(event.data).head);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof Unauthorized) return fail(error);
    }
    live(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// --- start ---

async function start() {
  try {
    await api("/v1/regions");
  } catch (error) {
    return fail(error);
  }
  $("login").hidden = true;
  $("main").hidden = false;
  $("sign-out").hidden = !token;
  await poll();
  const wanted = new URLSearchParams(location.hash.slice(1));
  const region = wanted.get("region");
  const collection = wanted.get("collection");
  if (region && collection) {
    $("region").value = region;
    $("collection").value = collection;
    browse(region, collection).catch(fail);
  }
}

start();
