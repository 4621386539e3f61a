// reelmates: the live swipe session page. It works without this file (plain forms, PRG); with
// it, a swipe is sent without leaving the page, arrow keys and touch swipes work, and everyone's
// progress and the matches arrive as they happen (server-sent events).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const room = document.getElementById("swipe-room");
  if (!room) return;
  const pageUrl = room.dataset.page;
  const announce = document.getElementById("announce");
  let last = Number(room.dataset.last) || 0;
  let busy = false;
  const announced = new Set(); // films whose match this page has said

  function noteAnnounced() {
    for (const line of announce.querySelectorAll("[data-film]")) {
      announced.add(Number(line.dataset.film));
    }
  }
  noteAnnounced();

  // Swap the parts of the page that change for those of a fresh copy of it (rendered by the
  // server: one way to draw a card, a match or an accept button).
  function swapFrom(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html");
    for (const id of ["progress", "card-area", "matches"]) {
      const now = document.getElementById(id);
      const next = fresh.getElementById(id);
      if (now && next) now.replaceWith(document.adoptNode(next));
    }
    const freshAnnounce = fresh.getElementById("announce");
    if (freshAnnounce && freshAnnounce.querySelector("[data-film]")) {
      announce.replaceChildren(...Array.from(freshAnnounce.childNodes, (n) => document.adoptNode(n)));
      noteAnnounced();
    }
    const freshRoom = fresh.getElementById("swipe-room");
    if (freshRoom) last = Math.max(last, Number(freshRoom.dataset.last) || 0);
    bindCard();
  }

  async function reload() {
    const response = await fetch(pageUrl, { credentials: "same-origin" });
    if (response.ok) swapFrom(await response.text());
  }

  function say(filmId, text) {
    if (announced.has(filmId)) return;
    announced.add(filmId);
    const line = document.createElement("p");
    line.className = "saved";
    line.dataset.film = String(filmId);
    line.textContent = text;
    announce.replaceChildren(line);
  }

  async function send(form, button) {
    if (busy) return;
    busy = true;
    try {
      const body = new FormData(form);
      body.set(button.name, button.value);
      const response = await fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
      });
      if (response.ok) {
        swapFrom(await response.text());
      } else {
        window.location.assign(pageUrl); // show the server's answer as a page
      }
    } catch {
      form.requestSubmit(button); // the network failed: the plain form still works
    } finally {
      busy = false;
    }
  }

  function choose(choice) {
    const form = document.querySelector("[data-swipe-form]");
    const button = form && form.querySelector(`[data-swipe="${choice}"]`);
    if (button) send(form, button);
  }

  function bindCard() {
    const form = document.querySelector("[data-swipe-form]");
    if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (event.submitter) send(form, event.submitter);
      });
    }
    const card = document.getElementById("swipe-card");
    if (!card) return;
    // Touch (or pen, or mouse) swipe: drag the card left to pass, right to like.
    let startX = null;
    card.addEventListener("dragstart", (event) => event.preventDefault()); // not the image's drag
    card.addEventListener("pointerdown", (event) => {
      if (event.target.closest("a, button")) return;
      startX = event.clientX;
      card.setPointerCapture(event.pointerId);
    });
    card.addEventListener("pointermove", (event) => {
      if (startX === null) return;
      const dx = event.clientX - startX;
      card.style.transform = `translateX(${dx}px) rotate(${dx / 30}deg)`;
    });
    const end = (event) => {
      if (startX === null) return;
      const dx = event.clientX - startX;
      startX = null;
      card.style.transform = "";
      if (Math.abs(dx) > Math.min(120, card.offsetWidth / 4)) choose(dx > 0 ? "like" : "pass");
    };
    card.addEventListener("pointerup", end);
    card.addEventListener("pointercancel", () => {
      startX = null;
      card.style.transform = "";
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "ArrowLeft") choose("pass");
    else if (event.key === "ArrowRight") choose("like");
    else return;
    event.preventDefault();
  });

  bindCard();

  if (!window.EventSource) return;
  const matches = () => document.getElementById("matches");
  // The first connection says what this page shows already; a reconnection sends Last-Event-ID
  // by itself. Either way the server sends the room's state first.
  const source = new EventSource(`${room.dataset.events}?after=${last}`);
  source.addEventListener("room", async (message) => {
    const news = JSON.parse(message.data);
    if (news.last_swipe_id < last) return;
    last = news.last_swipe_id;
    let stale = false;
    for (const member of news.members) {
      const row = document.querySelector(
        `#progress [data-handle="${CSS.escape(member.handle)}"]`,
      );
      if (!row) {
        stale = true; // someone joined
        continue;
      }
      const count = row.querySelector(".count");
      // My own count moved without me here: I swiped on another device; deal a fresh card.
      if (member.handle === room.dataset.me && count.textContent !== String(member.swiped)) {
        stale = stale || !busy;
      }
      count.textContent = String(member.swiped);
    }
    const shown = matches();
    const accepted = news.accepted ? String(news.accepted.id) : "";
    if (
      stale ||
      (shown &&
        (Number(shown.dataset.count) !== news.matches.length ||
          shown.dataset.accepted !== accepted))
    ) {
      await reload();
    }
    for (const filmId of news.new_matches) {
      const found = news.matches.find((m) => m.film_id === filmId);
      if (found) {
        const year = found.year ? ` (${found.year})` : "";
        say(filmId, `It's a match: ${found.title}${year}! Accept it below, or keep swiping.`);
      }
    }
  });
});
