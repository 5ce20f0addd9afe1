// The Messages panel: conversations of every gateway, a thread, a reply box.
// Plain custom elements with native controls, styled by Home Assistant's CSS
// variables (light and dark themes); fed by the integration's admin-only
// websocket commands (`sms_gateway/...`), live through `sms_gateway/subscribe`.
import { textInfo } from "./text.js";
import { translate, when, statusMark, escape } from "./common.js";

const PAGE = 50;

class SmsGatewayPanel extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.gateways = [];
    this.rules = null;
    this.conversations = [];
    this.nextConversations = null;
    this.search = "";
    this.current = null; // {entry_id, thread, number}
    this.messages = [];
    this.nextMessages = null;
    this.composing = false; // a new conversation
    this._unsubscribe = null;
    this._started = false;
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first && this.isConnected) this._start();
  }

  get hass() {
    return this._hass;
  }

  set narrow(narrow) {
    this._narrow = narrow;
    this.toggleAttribute("narrow", !!narrow);
  }

  connectedCallback() {
    if (this._hass) this._start();
  }

  disconnectedCallback() {
    // a panel hidden for a while is torn down: stop listening
    if (this._unsubscribe) this._unsubscribe.then((stop) => stop()).catch(() => {});
    this._unsubscribe = null;
    this._started = false;
  }

  t(key, values) {
    return translate(this._hass, key, values);
  }

  async _start() {
    if (this._started) return;
    this._started = true;
    this._render();
    this._unsubscribe = this._hass.connection.subscribeMessage(
      (change) => this._changed(change),
      { type: "sms_gateway/subscribe" },
    );
    const answer = await this._ws({ type: "sms_gateway/gateways" });
    this.gateways = answer.gateways;
    this.rules = answer.text_rules;
    await this._loadConversations();
  }

  _ws(message) {
    return this._hass.connection.sendMessagePromise(message);
  }

  async _loadConversations(more = false) {
    const message = { type: "sms_gateway/conversations", limit: PAGE };
    if (this.search) message.search = this.search;
    if (more && this.nextConversations) message.before = this.nextConversations;
    const answer = await this._ws(message);
    this.conversations = more ? this.conversations.concat(answer.conversations) : answer.conversations;
    this.nextConversations = answer.next;
    this._renderList();
  }

  async _open(conversation) {
    this.composing = false;
    this.current = {
      entry_id: conversation.entry_id,
      thread: conversation.thread,
      number: conversation.number,
      extension: conversation.extension,
    };
    this.messages = [];
    this.nextMessages = null;
    this._render();
    await this._loadMessages();
    this._markRead();
  }

  async _loadMessages(more = false) {
    const current = this.current;
    const message = {
      type: "sms_gateway/thread",
      entry_id: current.entry_id,
      thread: current.thread,
      limit: PAGE,
    };
    if (more) message.before = this.nextMessages;
    const answer = await this._ws(message);
    if (current !== this.current) return;
    const older = answer.messages.slice().reverse();
    this.messages = more ? older.concat(this.messages) : older;
    this.nextMessages = answer.next;
    this._renderThread(more ? "keep" : "bottom");
  }

  _markRead() {
    const current = this.current;
    const conversation = this.conversations.find(
      (c) => c.entry_id === current.entry_id && c.thread === current.thread,
    );
    if (conversation && conversation.unread === 0) return;
    this._ws({ type: "sms_gateway/mark_read", entry_id: current.entry_id, thread: current.thread });
  }

  _changed(change) {
    const open = this.current && change.entry_id === this.current.entry_id;
    if (change.type === "message") {
      const message = change.message;
      let conversation = this.conversations.find(
        (c) => c.entry_id === change.entry_id && c.thread === change.thread,
      );
      if (!conversation) {
        const [number, extension] = change.thread.split("#");
        conversation = { entry_id: change.entry_id, thread: change.thread, number, extension: extension || null, unread: 0 };
      }
      conversation.last = message;
      if (message.incoming) conversation.unread += 1;
      if (this.search && !`${conversation.number} ${message.text}`.includes(this.search)) {
        this._renderList();
      } else {
        this.conversations = [conversation].concat(
          this.conversations.filter((c) => c !== conversation),
        );
        this._renderList();
      }
      if (open && change.thread === this.current.thread) {
        this.messages.push(message);
        this._renderThread("bottom");
        if (message.incoming && document.visibilityState === "visible") this._markRead();
      }
    } else if (change.type === "status") {
      let changed = false;
      for (const message of this.messages) {
        if (!message.incoming && message.message_id === change.message_id) {
          message.status = change.status;
          message.error = change.error;
          changed = true;
        }
      }
      for (const c of this.conversations) {
        if (c.last && !c.last.incoming && c.last.message_id === change.message_id) {
          c.last.status = change.status;
        }
      }
      if (changed) this._renderThread("keep");
      this._renderList();
    } else if (change.type === "read") {
      for (const c of this.conversations) {
        if (c.entry_id === change.entry_id && c.thread === change.thread) c.unread = 0;
      }
      this._renderList();
    } else if (change.type === "deleted") {
      if (change.ids === null) {
        this.conversations = this.conversations.filter(
          (c) => !(c.entry_id === change.entry_id && c.thread === change.thread),
        );
        if (open && change.thread === this.current.thread) {
          this.current = null;
          this._render();
        }
      } else if (open && change.thread === this.current.thread) {
        this.messages = this.messages.filter((m) => !change.ids.includes(m.id));
        this._renderThread("keep");
      }
      this._renderList();
    }
  }

  async _send() {
    const root = this.shadowRoot;
    const text = root.querySelector("#text").value;
    const error = root.querySelector("#error");
    error.textContent = "";
    const gateway = root.querySelector("#gateway");
    const port = root.querySelector("#port");
    const message = { type: "sms_gateway/send", message: text };
    if (this.composing) {
      const number = root.querySelector("#number").value.trim();
      message.entry_id = gateway.value;
      message.recipients = [number];
    } else {
      message.entry_id = this.current.entry_id;
      message.thread = this.current.thread;
    }
    if (port && port.value) message.port = port.value;
    const button = root.querySelector("#send");
    button.disabled = true;
    try {
      const answer = await this._ws(message);
      const refused = answer.messages.filter((m) => !m.accepted);
      if (refused.length) error.textContent = this.t("refused", { reason: refused[0].reason });
      root.querySelector("#text").value = "";
      this._count();
      if (this.composing && answer.messages.length) {
        const sent = answer.messages[0];
        await this._loadConversations();
        const conversation = this.conversations.find(
          (c) => c.entry_id === message.entry_id && c.last && c.last.message_id === sent.message_id,
        );
        if (conversation) await this._open(conversation);
      }
    } catch (err) {
      error.textContent = err.message || String(err);
    } finally {
      button.disabled = false;
    }
  }

  async _delete() {
    if (!this.current || !confirm(this.t("delete_confirm"))) return;
    await this._ws({ type: "sms_gateway/delete", entry_id: this.current.entry_id, thread: this.current.thread });
  }

  _count() {
    const root = this.shadowRoot;
    const counter = root.querySelector("#counter");
    if (!counter || !this.rules) return;
    const info = textInfo(root.querySelector("#text").value, this.rules);
    const limit = info.segments > 1 ? info.multi * info.segments : info.single;
    counter.textContent = this.t("counter", {
      units: info.units,
      limit,
      segments: info.segments,
      encoding: info.encoding === "gsm7" ? "GSM-7" : "UCS-2",
    });
  }

  _render() {
    const showThread = this.current || this.composing;
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <div class="layout ${showThread ? "thread-open" : ""}">
        <section class="list">
          <header>
            <button class="icon menu" id="menu" title="${this.t("menu")}">${icon(MENU)}</button>
            <h1>${this.t("title")}</h1>
            <button class="primary" id="new">${this.t("new")}</button>
          </header>
          <input id="search" type="search" placeholder="${this.t("search")}" value="${escape(this.search)}">
          <ul id="conversations"></ul>
          <button id="more-conversations" class="link" hidden>${this.t("more")}</button>
        </section>
        <section class="thread">${showThread ? this._threadSkeleton() : `<p class="empty">${this.t("choose")}</p>`}</section>
      </div>`;
    const root = this.shadowRoot;
    root.querySelector("#menu").addEventListener("click", () =>
      this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true })),
    );
    root.querySelector("#new").addEventListener("click", () => {
      this.composing = true;
      this.current = null;
      this._render();
    });
    root.querySelector("#search").addEventListener("input", (event) => {
      this.search = event.target.value.trim();
      clearTimeout(this._searchTimer);
      this._searchTimer = setTimeout(() => this._loadConversations(), 250);
    });
    root.querySelector("#more-conversations").addEventListener("click", () => this._loadConversations(true));
    if (showThread) this._bindThread();
    this._renderList();
    this._renderThread("bottom");
  }

  _threadSkeleton() {
    const gateway = this._gateway();
    const title = this.composing
      ? `<input id="number" type="tel" placeholder="${this.t("number")}" autocomplete="off">`
      : `<h2>${escape(this.current.number)}${this.current.extension ? ` <small>#${escape(this.current.extension)}</small>` : ""}</h2>`;
    const gateways = this.gateways
      .map((g) => `<option value="${g.entry_id}" ${gateway && g.entry_id === gateway.entry_id ? "selected" : ""}>${escape(g.title)}</option>`)
      .join("");
    return `
      <header>
        <button class="icon back" id="back" title="${this.t("back")}">${icon(BACK)}</button>
        ${title}
        ${this.composing ? "" : `<span class="gateway-name">${escape(gateway ? gateway.title : "")}</span>
        <button class="icon" id="delete" title="${this.t("delete")}">${icon(DELETE)}</button>`}
      </header>
      <div class="messages" id="messages"></div>
      <footer>
        <div class="from">
          <select id="gateway" ${this.composing ? "" : "disabled"} title="${this.t("gateway")}">${gateways}</select>
          <select id="port" title="${this.t("port")}"></select>
        </div>
        <textarea id="text" rows="3" placeholder="${this.t("message")}"></textarea>
        <div class="send-row">
          <span id="counter" class="counter"></span>
          <span id="error" class="error"></span>
          <button class="primary" id="send">${this.t("send")}</button>
        </div>
      </footer>`;
  }

  _gateway() {
    const entryId = this.current ? this.current.entry_id : this._composeGateway;
    return this.gateways.find((g) => g.entry_id === entryId) || this.gateways[0];
  }

  _bindThread() {
    const root = this.shadowRoot;
    root.querySelector("#back").addEventListener("click", () => {
      this.current = null;
      this.composing = false;
      this._render();
    });
    const remove = root.querySelector("#delete");
    if (remove) remove.addEventListener("click", () => this._delete());
    root.querySelector("#gateway").addEventListener("change", (event) => {
      this._composeGateway = event.target.value;
      this._fillPorts();
    });
    root.querySelector("#text").addEventListener("input", () => this._count());
    root.querySelector("#text").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this._send();
    });
    root.querySelector("#send").addEventListener("click", () => this._send());
    root.querySelector("#messages").addEventListener("scroll", (event) => {
      if (event.target.scrollTop < 40 && this.nextMessages && !this._loadingOlder) {
        this._loadingOlder = true;
        this._loadMessages(true).finally(() => (this._loadingOlder = false));
      }
    });
    this._fillPorts();
    this._count();
  }

  _fillPorts() {
    const select = this.shadowRoot.querySelector("#port");
    if (!select) return;
    const gateway = this.shadowRoot.querySelector("#gateway");
    const chosen = this.gateways.find((g) => g.entry_id === (gateway && gateway.value)) || this._gateway();
    const ports = chosen ? chosen.ports : [];
    select.innerHTML =
      `<option value="">${this.t("any_port")}</option>` +
      ports.map((p) => `<option value="${escape(p.port)}">${escape(p.name)}</option>`).join("");
    select.hidden = ports.length === 0;
  }

  _renderList() {
    const list = this.shadowRoot.querySelector("#conversations");
    if (!list) return;
    const names = Object.fromEntries(this.gateways.map((g) => [g.entry_id, g.title]));
    list.innerHTML = this.conversations.length
      ? this.conversations
          .map((c, index) => {
            const last = c.last || {};
            const selected = this.current && c.entry_id === this.current.entry_id && c.thread === this.current.thread;
            return `<li data-index="${index}" class="${selected ? "selected" : ""} ${c.unread ? "unread" : ""}">
              <div class="line"><span class="number">${escape(c.number)}${c.extension ? ` #${escape(c.extension)}` : ""}</span>
              <time>${when(this._hass, last.time)}</time></div>
              <div class="line"><span class="preview">${last.incoming ? "" : statusMark(last.status) + " "}${escape(last.text || "")}</span>
              ${c.unread ? `<span class="badge">${c.unread}</span>` : ""}</div>
              ${this.gateways.length > 1 ? `<div class="via">${escape(names[c.entry_id] || "")}</div>` : ""}
            </li>`;
          })
          .join("")
      : `<li class="empty">${this.t(this.search ? "nothing_found" : "no_messages")}</li>`;
    for (const item of list.querySelectorAll("li[data-index]")) {
      item.addEventListener("click", () => this._open(this.conversations[Number(item.dataset.index)]));
    }
    const more = this.shadowRoot.querySelector("#more-conversations");
    if (more) more.hidden = !this.nextConversations;
  }

  _renderThread(scroll) {
    const box = this.shadowRoot.querySelector("#messages");
    if (!box) return;
    const fromBottom = box.scrollHeight - box.scrollTop;
    box.innerHTML = this.messages
      .map(
        (m) => `<div class="bubble ${m.incoming ? "in" : "out"} ${m.status || ""}" data-id="${m.id}"><div class="text">${escape(m.text)}</div>
          <div class="meta">${m.port ? `${escape(m.port)} · ` : ""}${when(this._hass, m.time)}${
            m.incoming ? "" : ` <span class="mark" title="${escape(this.t("status_" + m.status) + (m.error ? `: ${m.error}` : ""))}">${statusMark(m.status)}</span>`
          }</div>
        </div>`,
      )
      .join("");
    if (scroll === "bottom") box.scrollTop = box.scrollHeight;
    else box.scrollTop = box.scrollHeight - fromBottom;
  }
}

// Material Design Icons' paths (Home Assistant's own icons), drawn inline.
const MENU = "M3,6H21V8H3V6M3,11H21V13H3V11M3,16H21V18H3V16Z";
const BACK = "M20,11V13H8L13.5,18.5L12.08,19.92L4.16,12L12.08,4.08L13.5,5.5L8,11H20Z";
const DELETE = "M19,4H15.5L14.5,3H9.5L8.5,4H5V6H19M6,19A2,2 0 0,0 8,21H16A2,2 0 0,0 18,19V7H6V19Z";

function icon(path) {
  return `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="${path}"></path></svg>`;
}

const STYLE = `
  :host { display: block; height: 100%; background: var(--primary-background-color); color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, var(--ha-font-family-body, Roboto, sans-serif)); }
  .layout { display: grid; grid-template-columns: minmax(260px, 360px) 1fr; height: 100vh; }
  section { display: flex; flex-direction: column; min-height: 0; }
  .list { border-right: 1px solid var(--divider-color); background: var(--card-background-color); }
  header { display: flex; align-items: center; gap: 8px; padding: 8px 12px; min-height: 48px; box-sizing: border-box;
    border-bottom: 1px solid var(--divider-color); background: var(--app-header-background-color, var(--primary-color));
    color: var(--app-header-text-color, var(--text-primary-color)); }
  h1 { font-size: 20px; font-weight: 400; margin: 0; flex: 1; }
  h2 { font-size: 18px; font-weight: 400; margin: 0; flex: 1; }
  .gateway-name { font-size: 13px; opacity: 0.8; }
  button { font: inherit; cursor: pointer; border-radius: 4px; border: 1px solid var(--divider-color);
    background: var(--card-background-color); color: var(--primary-text-color); padding: 6px 12px; }
  button.primary { background: var(--primary-color); color: var(--text-primary-color); border-color: var(--primary-color); }
  button.icon { border: none; background: none; color: inherit; padding: 4px; line-height: 0; }
  button.link { border: none; background: none; color: var(--primary-color); }
  button:disabled { opacity: 0.5; cursor: default; }
  .menu, .back { display: none; }
  input, select, textarea { font: inherit; color: var(--primary-text-color); background: var(--card-background-color);
    border: 1px solid var(--divider-color); border-radius: 4px; padding: 8px; box-sizing: border-box; }
  header input { flex: 1; color: var(--primary-text-color); }
  #search { margin: 8px 12px; }
  ul { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
  li { padding: 10px 12px; border-bottom: 1px solid var(--divider-color); cursor: pointer; }
  li:hover, li.selected { background: var(--secondary-background-color); }
  li.empty { color: var(--secondary-text-color); cursor: default; }
  .line { display: flex; align-items: baseline; gap: 8px; }
  .number { flex: 1; font-weight: 500; }
  li.unread .number, li.unread .preview { font-weight: 700; }
  time, .via { font-size: 12px; color: var(--secondary-text-color); }
  .preview { flex: 1; color: var(--secondary-text-color); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .badge { background: var(--primary-color); color: var(--text-primary-color); border-radius: 10px; padding: 0 7px;
    font-size: 12px; min-width: 8px; text-align: center; }
  .thread { background: var(--primary-background-color); }
  .empty { margin: auto; color: var(--secondary-text-color); }
  .messages { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
  .bubble { max-width: 75%; padding: 8px 12px; border-radius: 14px; overflow-wrap: anywhere; }
  .bubble .text { white-space: pre-wrap; }
  .bubble.in { align-self: flex-start; background: var(--card-background-color); border: 1px solid var(--divider-color); }
  .bubble.out { align-self: flex-end; background: var(--primary-color); color: var(--text-primary-color); }
  .bubble.out.failed { background: var(--error-color); }
  .meta { font-size: 11px; opacity: 0.75; margin-top: 4px; text-align: right; }
  footer { border-top: 1px solid var(--divider-color); padding: 8px 12px; display: flex; flex-direction: column; gap: 6px;
    background: var(--card-background-color); }
  .from { display: flex; gap: 8px; }
  textarea { resize: vertical; width: 100%; }
  .send-row { display: flex; align-items: center; gap: 8px; }
  .counter { font-size: 12px; color: var(--secondary-text-color); }
  .error { flex: 1; font-size: 13px; color: var(--error-color); }
  :host([narrow]) .layout { grid-template-columns: 1fr; }
  :host([narrow]) .menu, :host([narrow]) .back { display: inline-block; }
  :host([narrow]) .layout.thread-open .list { display: none; }
  :host([narrow]) .layout:not(.thread-open) .thread { display: none; }
  :host([narrow]) .bubble { max-width: 88%; }
`;

if (!customElements.get("sms-gateway-panel")) customElements.define("sms-gateway-panel", SmsGatewayPanel);
