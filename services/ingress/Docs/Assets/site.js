// The docs' only script: the router's address as this browser sees it, copy buttons, search, and the token box.
// It talks to no host but this router, and keeps nothing: the caller token lives in the box until the page closes.
"use strict";

(function () {
  const root = new URL(document.documentElement.dataset.root || "./", location.href);
  const routerUrl = root.href.replace(/\/$/, "");
  const docsUrl = (path) => new URL("docs/" + path, root);

  // What the server wrote from the request is replaced by what this browser actually used.
  for (const span of document.querySelectorAll(".router-url")) span.textContent = routerUrl;

  // Copy buttons on every code block.
  for (const pre of document.querySelectorAll("main pre")) {
    const wrap = document.createElement("div");
    wrap.className = "code";
    pre.replaceWith(wrap);
    wrap.append(pre);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this code");
    button.addEventListener("click", async () => {
      const text = pre.innerText.replace(/\n$/, "");
      const copied = await copy(text);
      button.textContent = copied ? "Copied" : "Select and copy";
      setTimeout(() => (button.textContent = "Copy"), 1600);
    });
    wrap.append(button);
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Plain-HTTP deployments have no clipboard API: the older way still works there.
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  // Search: the index is a few hundred sections, searched in the browser.
  const input = document.getElementById("search");
  const results = document.getElementById("search-results");
  let index = null;
  input?.addEventListener("focus", load, { once: true });
  input?.addEventListener("input", async () => {
    await load();
    show(search(input.value));
  });
  input?.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { input.value = ""; results.hidden = true; }
    if (e.key === "Enter") results.querySelector("a")?.click();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement?.tagName !== "INPUT" && document.activeElement?.tagName !== "TEXTAREA") {
      e.preventDefault();
      input?.focus();
    }
  });

  async function load() {
    if (index) return;
    const response = await fetch(docsUrl("search.json"), { credentials: "omit" });
    index = (await response.json()).map((s) => ({ ...s, haystack: (s.title + " " + s.heading + " " + s.text).toLowerCase() }));
  }

  function search(query) {
    const terms = query.toLowerCase().split(/\s+/).filter((t) => t.length > 1);
    if (!terms.length || !index) return [];
    return index
      .map((s) => {
        if (!terms.every((t) => s.haystack.includes(t))) return null;
        const score = terms.reduce((sum, t) => sum + (s.heading.toLowerCase().includes(t) ? 5 : 0) + (s.title.toLowerCase().includes(t) ? 2 : 0) + 1, 0);
        return { s, score };
      })
      .filter(Boolean)
      .sort((a, b) => b.score - a.score)
      .slice(0, 8)
      .map((r) => r.s);
  }

  function show(found) {
    results.replaceChildren();
    for (const s of found) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = docsUrl(s.page === "./" ? "" : s.page).href + (s.anchor ? "#" + s.anchor : "");
      a.textContent = s.heading;
      const where = document.createElement("small");
      where.textContent = s.title;
      a.append(where);
      li.append(a);
      results.append(li);
    }
    if (!found.length && input.value.trim()) {
      const li = document.createElement("li");
      li.textContent = "Nothing found.";
      results.append(li);
    }
    results.hidden = !input.value.trim();
  }

  // The token box: the reader's groups, from this router's /v1/models, with the examples filled in.
  for (const box of document.querySelectorAll(".token-box")) tokenBox(box);

  function tokenBox(box) {
    box.replaceChildren();
    const form = document.createElement("form");
    form.setAttribute("autocomplete", "off");
    const token = document.createElement("input");
    token.type = "password";
    token.id = "token";
    token.placeholder = "rtr_…  (your caller token)";
    token.setAttribute("aria-label", "Your caller token");
    token.autocomplete = "off";
    const go = document.createElement("button");
    go.type = "submit";
    go.textContent = "Show my models";
    form.append(token, go);
    const status = document.createElement("p");
    status.className = "status";
    status.setAttribute("role", "status");
    status.textContent = "The token goes only to this router's /v1/models; it is not stored.";
    const list = document.createElement("div");
    list.className = "models";
    box.append(form, status, list);

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = token.value.trim();
      list.replaceChildren();
      if (!value) { say("Paste a caller token first.", "bad"); return; }
      say("Asking the router…", "");
      try {
        const response = await fetch(new URL("v1/models", root), {
          headers: { Authorization: "Bearer " + value },
          cache: "no-store",
          credentials: "omit",
          referrerPolicy: "no-referrer",
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) {
          say((body && body.error && body.error.message) || "The router refused the token (" + response.status + ").", "bad");
          return;
        }
        render(body.data || []);
      } catch {
        say("The router could not be reached.", "bad");
      }
    });

    function say(text, kind) {
      status.textContent = text;
      status.className = "status" + (kind ? " " + kind : "");
    }

    function render(models) {
      if (!models.length) { say("This token may use no group.", "bad"); return; }
      say("This token may use " + models.length + (models.length === 1 ? " group." : " groups."), "ok");
      const table = document.createElement("table");
      table.id = "my-models";
      const head = table.createTHead().insertRow();
      for (const h of ["group", "description", "reasoning levels", "default"]) {
        const th = document.createElement("th");
        th.textContent = h;
        head.append(th);
      }
      const body = table.createTBody();
      for (const m of models) {
        const row = body.insertRow();
        row.dataset.group = m.id;
        const levels = (m.supported_reasoning_levels || []).map((l) => l.effort);
        for (const cell of [m.id, m.description || "", levels.join(", ") || "none", m.default_reasoning_level || ""]) {
          row.insertCell().textContent = cell;
        }
      }
      const label = document.createElement("label");
      label.htmlFor = "group";
      label.textContent = "Fill the examples on this page with the group";
      const select = document.createElement("select");
      select.id = "group";
      for (const m of models) select.append(new Option(m.id, m.id));
      select.addEventListener("change", () => useGroup(select.value));
      list.append(table, label, select);
      useGroup(models[0].id);
    }
  }

  function useGroup(group) {
    for (const span of document.querySelectorAll(".router-group")) span.textContent = group;
  }
})();
