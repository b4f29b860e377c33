/* The citizen chat: sends questions to /api/chat/message and shows the replies.
   Every text from the server is put in with textContent, never as HTML; only http(s) links
   become <a>. The conversation (token and messages) lives in sessionStorage, so a reload or a
   language switch keeps it. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var S = JSON.parse(document.getElementById("chat-strings").textContent);
  var lang = root.getAttribute("data-lang");
  var log = document.getElementById("log");
  var status = document.getElementById("status");
  var form = document.getElementById("ask");
  var input = document.getElementById("question");
  var contact = document.getElementById("contact");
  var contactForm = document.getElementById("contact-form");
  var contactError = document.getElementById("contact-error");
  var KEY = "rathaus-chat";
  var busy = false;
  var saved = load();

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || { token: null, items: [] }; }
    catch (e) { return { token: null, items: [] }; }
  }
  function store() {
    try { sessionStorage.setItem(KEY, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function safeUrl(url) {
    try { var u = new URL(url); return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null; }
    catch (e) { return null; }
  }

  function renderYou(text) {
    var item = el("div", "msg you");
    item.appendChild(el("p", "who", S.you + ":"));
    item.appendChild(el("p", "text", text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function renderBot(r, live) {
    var item = el("div", "msg bot");
    if (r.dir) item.setAttribute("dir", r.dir);
    if (r.language) item.setAttribute("lang", r.language);
    item.appendChild(el("p", "who", S.bot + ":"));
    item.appendChild(el("p", "text", r.text));
    if (r.links && r.links.length) {
      var nav = el("div", "links");
      nav.appendChild(el("p", "label", S.links_label));
      var ul = el("ul");
      r.links.forEach(function (l) {
        var url = safeUrl(l.url);
        if (!url) return;
        var li = el("li");
        var a = el("a", null, (l.kind === "form" ? S.form + ": " : "") + l.name);
        a.href = url; a.rel = "noopener noreferrer"; a.target = "_blank";
        li.appendChild(a); ul.appendChild(li);
      });
      nav.appendChild(ul); item.appendChild(nav);
    }
    if (r.office) item.appendChild(officeCard(r.office));
    if (r.confirm && live) {
      var group = el("div", "choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", S.confirm_label);
      [["yes", r.confirm.yes], ["no", r.confirm.no]].forEach(function (c) {
        var b = el("button", "choice", c[1]);
        b.type = "button";
        b.addEventListener("click", function () {
          group.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
          send(c[1], c[0]);
        });
        group.appendChild(b);
      });
      item.appendChild(group);
    }
    if (typeof r.turn === "number") {
      var speak = el("button", "speak", S.read_aloud);
      speak.type = "button";
      speak.addEventListener("click", function () { readAloud(r.turn, speak); });
      item.appendChild(speak);
    }
    log.appendChild(item);
    // the start of the reply in view (a long answer is read from its beginning)
    log.scrollTop = item.offsetTop - log.offsetTop - 8;
    if (r.person) showContact(live);
    if (r.reference) document.getElementById("reference").textContent = S.reference.replace("{ref}", r.reference);
  }

  function officeCard(o) {
    var box = el("div", "office");
    box.appendChild(el("p", "label", S.office_label + ": " + o.name));
    var dl = el("dl");
    function row(label, value, href) {
      if (!value) return;
      var div = el("div");
      div.appendChild(el("dt", null, label));
      var dd = el("dd");
      if (href) { var a = el("a", null, value); a.href = href; dd.appendChild(a); } else dd.textContent = value;
      div.appendChild(dd); dl.appendChild(div);
    }
    row(S.phone, o.phone, o.tel ? "tel:" + o.tel : null);
    row(S.email, o.email, o.email ? "mailto:" + o.email : null);
    row(S.address, o.address);
    row(S.hours, o.hours);
    if (o.url && safeUrl(o.url)) row(S.website, o.url, safeUrl(o.url));
    box.appendChild(dl);
    return box;
  }

  function showContact(focus) {
    contact.hidden = false;
    if (focus) document.getElementById("contact-title").focus();
  }

  function note(text) {
    var item = el("p", "msg note", text);
    log.appendChild(item);
  }

  function post(path, body) {
    body.lang = lang;
    return fetch(path, {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "X-Requested-With": "fetch" },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) throw new Error(data.error || S.error_generic);
        return data;
      });
    });
  }

  function send(text, kind) {
    if (busy) return;
    busy = true;
    renderYou(text);
    saved.items.push({ you: text });
    store();
    status.textContent = S.waiting;
    return post("/api/chat/message", { token: saved.token, text: text, kind: kind || "text" })
      .then(function (r) {
        saved.token = r.token;
        saved.items.push({ bot: r });
        store();
        renderBot(r, true);
      })
      .catch(function (err) { note(err.message || S.error_generic); })
      .then(function () { busy = false; status.textContent = ""; });
  }

  function readAloud(turn, button) {
    button.disabled = true;
    fetch("/api/chat/speak", {
      method: "POST", credentials: "omit",
      headers: { "Content-Type": "application/json", "X-Requested-With": "fetch" },
      body: JSON.stringify({ token: saved.token, turn: turn, lang: lang })
    }).then(function (resp) {
      if (!resp.ok) throw new Error(S.speak_error);
      return resp.blob();
    }).then(function (blob) {
      var audio = new Audio(URL.createObjectURL(blob));
      return audio.play();
    }).catch(function () { status.textContent = S.speak_error; })
      .then(function () { button.disabled = false; });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.replace(/\s+/g, " ").trim();
    if (!text) { input.focus(); return; }
    input.value = "";
    send(text, "text");
    input.focus();
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  document.getElementById("person").addEventListener("click", function () {
    send(S.person_button, "person");
  });
  document.getElementById("restart").addEventListener("click", function () {
    saved = { token: null, items: [] };
    store();
    log.textContent = "";
    contact.hidden = true;
    document.getElementById("reference").textContent = "";
    input.focus();
  });
  contactForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    contactError.textContent = "";
    var data = { token: saved.token };
    ["name", "phone", "email", "message"].forEach(function (n) { data[n] = contactForm.elements[n].value; });
    post("/api/chat/callback", data).then(function (r) {
      contactForm.reset();
      contact.hidden = true;
      saved.items.push({ bot: { text: r.text } });
      store();
      renderBot({ text: r.text }, true);
      input.focus();
    }).catch(function (err) {
      contactError.textContent = err.message || S.error_generic;
    });
  });

  saved.items.forEach(function (i) { if (i.you) renderYou(i.you); else renderBot(i.bot, false); });
})();
