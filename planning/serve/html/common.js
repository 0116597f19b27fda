// eldercare serve: what both pages share — the access token and calls to the JSON API.
"use strict";
const CONFIG = JSON.parse(document.getElementById("config").textContent);
const TOKEN = (() => {
  // A server reachable from other computers needs its token (given once as ?token=...).
  const given = new URLSearchParams(location.search).get("token");
  if (given) { sessionStorage.setItem("eldercare-token", given); }
  return sessionStorage.getItem("eldercare-token") || "";
})();

function apiHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  if (TOKEN) { headers[CONFIG.tokenHeader] = TOKEN; }
  return headers;
}

async function api(method, path, body) {
  const options = { method: method, headers: apiHeaders(body instanceof FormData ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) { options.body = body instanceof FormData ? body : JSON.stringify(body); }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({ detail: response.statusText }));
  if (!response.ok) {
    const detail = Array.isArray(data.detail) ? data.detail.map((d) => (d.loc || []).join(".") + ": " + d.msg).join("; ") : data.detail;
    throw new Error(detail || ("HTTP " + response.status));
  }
  return data;
}

// Text goes into the page as text, never as HTML (names come from data).
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) { node.textContent = String(text); }
  if (className) { node.className = className; }
  return node;
}

function say(text, error) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = error ? "error" : "";
}
