// The SMS card: a gateway's latest messages and a reply box. Loaded on every
// page (`frontend.add_extra_js_url`), so it is in the card picker without a
// resource added by hand.
import { translate, when, statusMark, escape } from "./common.js";

const TAG = "sms-gateway-card";

class SmsGatewayCard extends HTMLElement {
  setConfig(config) {
    this.config = { limit: 5, ...config };
    this._render();
  }

  static getStubConfig() {
    return { limit: 5 };
  }

  getCardSize() {
    return 2 + (this.config ? this.config.limit : 5);
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) this._start();
  }

  connectedCallback() {
    if (this._hass && !this._unsubscribe) this._start();
  }

  disconnectedCallback() {
    if (this._unsubscribe) this._unsubscribe.then((stop) => stop()).catch(() => {});
    this._unsubscribe = null;
  }

  t(key, values) {
    return translate(this._hass, key, values);
  }

  async _start() {
    if (!this._hass || this._unsubscribe) return;
    this._unsubscribe = this._hass.connection.subscribeMessage(
      (change) => {
        if (change.type === "message" || change.type === "status" || change.type === "deleted") this._load();
      },
      { type: "sms_gateway/subscribe" },
    );
    await this._load();
  }

  async _load() {
    const message = { type: "sms_gateway/conversations", limit: this.config.limit };
    if (this.config.entry_id) message.entry_id = this.config.entry_id;
    try {
      const answer = await this._hass.connection.sendMessagePromise(message);
      this.conversations = answer.conversations;
      if (!this.selected && this.conversations.length) this.selected = this.conversations[0];
      this.error = "";
    } catch (err) {
      this.error = err.message || String(err);
    }
    this._render();
  }

  async _send() {
    const text = this.shadowRoot.querySelector("textarea").value;
    const selected = this.selected;
    if (!selected || !text.trim()) return;
    try {
      await this._hass.connection.sendMessagePromise({
        type: "sms_gateway/send",
        entry_id: selected.entry_id,
        thread: selected.thread,
        message: text,
      });
      this.shadowRoot.querySelector("textarea").value = "";
      this.error = "";
    } catch (err) {
      this.error = err.message || String(err);
      this._render();
    }
  }

  _render() {
    if (!this.config) return;
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    const conversations = this.conversations || [];
    const selected = this.selected;
    const title = this.config.title ?? this.t("card_name");
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <ha-card header="${escape(title)}">
        <ul>${
          conversations.length
            ? conversations
                .map((c, index) => {
                  const last = c.last || {};
                  const chosen = selected && c.entry_id === selected.entry_id && c.thread === selected.thread;
                  return `<li data-index="${index}" class="${chosen ? "chosen" : ""}">
                    <div class="line"><b>${escape(c.number)}</b>${c.unread ? `<span class="badge">${c.unread}</span>` : ""}
                    <time>${when(this._hass, last.time)}</time></div>
                    <div class="text">${last.incoming ? "" : statusMark(last.status) + " "}${escape(last.text || "")}</div>
                  </li>`;
                })
                .join("")
            : `<li class="none">${this.t("no_messages")}</li>`
        }</ul>
        <div class="reply">
          <textarea rows="2" placeholder="${escape(selected ? `${this.t("reply")} ${selected.number}` : this.t("message"))}" ${selected ? "" : "disabled"}></textarea>
          <button ${selected ? "" : "disabled"}>${this.t("send")}</button>
        </div>
        ${this.error ? `<div class="error">${escape(this.error)}</div>` : ""}
      </ha-card>`;
    for (const item of this.shadowRoot.querySelectorAll("li[data-index]")) {
      item.addEventListener("click", () => {
        this.selected = conversations[Number(item.dataset.index)];
        this._render();
      });
    }
    this.shadowRoot.querySelector("button").addEventListener("click", () => this._send());
  }
}

const STYLE = `
  ul { list-style: none; margin: 0; padding: 0 16px; }
  li { padding: 6px 0; border-bottom: 1px solid var(--divider-color); cursor: pointer; }
  li.chosen { border-left: 3px solid var(--primary-color); padding-left: 6px; }
  li.none { color: var(--secondary-text-color); cursor: default; }
  .line { display: flex; gap: 8px; align-items: baseline; }
  .line b { flex: 1; font-weight: 500; }
  time { font-size: 12px; color: var(--secondary-text-color); }
  .text { color: var(--secondary-text-color); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .badge { background: var(--primary-color); color: var(--text-primary-color); border-radius: 10px; padding: 0 6px; font-size: 12px; }
  .reply { display: flex; gap: 8px; padding: 12px 16px 16px; }
  textarea { flex: 1; font: inherit; color: var(--primary-text-color); background: var(--card-background-color);
    border: 1px solid var(--divider-color); border-radius: 4px; padding: 6px; resize: vertical; }
  button { font: inherit; cursor: pointer; border-radius: 4px; border: none; padding: 6px 14px;
    background: var(--primary-color); color: var(--text-primary-color); }
  button:disabled { opacity: 0.5; cursor: default; }
  .error { color: var(--error-color); padding: 0 16px 12px; font-size: 13px; }
`;

// Home Assistant's app bundle replaces window.customElements with a scoped
// registry: an element defined before that is invisible afterwards (frontend
// issue 53890). Define now, and again in whatever registry is there once
// Home Assistant's own element is.
function define() {
  const registry = window.customElements;
  if (!registry.get(TAG)) registry.define(TAG, class extends SmsGatewayCard {});
}
define();
const started = Date.now();
const again = setInterval(() => {
  if (window.customElements.get("home-assistant") || Date.now() - started > 60000) {
    clearInterval(again);
    define();
  }
}, 100);

window.customCards = window.customCards || [];
if (!window.customCards.some((card) => card.type === TAG)) {
  window.customCards.push({
    type: TAG,
    name: translate(null, "card_name"),
    description: translate(null, "card_description"),
    preview: true,
  });
}
