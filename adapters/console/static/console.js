// The console page: sends questions and button presses to /console/api/ and shows the
// replies. Reply HTML comes rendered and escaped from the server; this script only
// builds elements for what the user typed, and sets that text with textContent.
"use strict";

(() => {
  const API = "/console/api/";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("question");
  // One thread per visit: follow-up questions lean on this visit's earlier ones.
  const thread = "v" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  let busy = false;

  async function call(path, body) {
    const options = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, options);
    let data;
    try {
      data = await response.json();
    } catch (error) {
      data = { error: "the server's answer was not JSON (" + response.status + ")" };
    }
    if (!response.ok) {
      throw new Error(data.error || response.statusText);
    }
    return data;
  }

  function entry(kind) {
    const item = document.createElement("div");
    item.className = "entry " + kind;
    log.appendChild(item);
    return item;
  }

  function showUser(text) {
    const bubble = document.createElement("p");
    bubble.className = "bubble";
    bubble.textContent = text;
    const item = entry("user");
    item.appendChild(bubble);
    return item;
  }

  // Shows the replies and scrolls to ``anchor`` (the question asked) or the first reply,
  // so a long answer or result is read from its start.
  function showReplies(replies, anchor) {
    let first = null;
    for (const reply of replies) {
      const item = entry("advisor " + reply.kind);
      item.innerHTML = reply.html; // rendered and escaped by adapters/console/render.py
      first = first || item;
    }
    const target = anchor || first;
    if (target) {
      target.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }

  function showError(message) {
    const card = document.createElement("div");
    card.className = "card error";
    card.textContent = "Something went wrong: " + message;
    entry("advisor error").appendChild(card);
  }

  async function send(path, body, echo, lockedButtons) {
    if (busy) {
      return;
    }
    busy = true;
    document.body.classList.add("busy");
    const asked = echo ? showUser(echo) : null;
    const pending = entry("advisor pending");
    pending.innerHTML = '<div class="card pending"><span class="dots" aria-label="Working"></span></div>';
    try {
      const data = await call(path, body);
      pending.remove();
      showReplies(data.replies, asked);
    } catch (error) {
      pending.remove();
      for (const button of lockedButtons || []) {
        button.disabled = false; // the press did not arrive: let the user try again
        button.classList.remove("pressed");
      }
      showError(error.message);
    } finally {
      busy = false;
      document.body.classList.remove("busy");
    }
  }

  function ask(text) {
    return send("ask", { text: text, thread: thread }, text);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) {
      return;
    }
    input.value = "";
    ask(text).then(() => input.focus());
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action], button[data-ask], a[data-ask]");
    if (!button || button.disabled || busy) {
      return;
    }
    event.preventDefault(); // a "See also" link asks its question instead of navigating
    if (button.dataset.ask) {
      ask(button.dataset.ask);
      return;
    }
    // An assessment question or a feedback row is answered once: lock its buttons.
    const group = button.closest(".feedback") || button.closest(".card.question");
    const locked = group ? Array.from(group.querySelectorAll("button")) : [];
    for (const other of locked) {
      other.disabled = true;
    }
    button.classList.add("pressed");
    const echo = button.dataset.action === "assess_start" ? button.textContent.trim() : "";
    send(
      "action",
      {
        kind: button.dataset.action,
        value: button.dataset.value || "",
        ref: button.dataset.ref || "",
        thread: thread,
      },
      echo,
      locked
    );
  });

  // The welcome and the suggestions come inside the page from the server.
  input.focus();
})();
