// What the panel and the card share: their words, times, marks.
const WORDS = {
  en: {
    title: "Messages",
    new: "New",
    search: "Search numbers and texts",
    more: "More",
    choose: "Choose a conversation, or start a new one.",
    no_messages: "No messages yet.",
    nothing_found: "Nothing found.",
    number: "Phone number",
    message: "Message",
    send: "Send",
    gateway: "Gateway",
    port: "Port",
    any_port: "Any port",
    back: "Back",
    menu: "Menu",
    delete: "Delete conversation",
    delete_confirm: "Delete this conversation and all its messages?",
    refused: "The gateway refused it: {reason}",
    counter: "{units}/{limit} · {segments} SMS · {encoding}",
    status_pending: "Pending",
    status_sent: "Sent",
    status_delivered: "Delivered",
    status_failed: "Failed",
    status_unknown: "Unknown",
    reply: "Reply",
    card_name: "SMS messages",
    card_description: "The latest SMS of your gateways, with a reply box.",
    no_history: "This gateway keeps no messages (its options).",
  },
  "zh-Hans": {
    title: "短信",
    new: "新建",
    search: "搜索号码和内容",
    more: "更多",
    choose: "选择一个会话，或新建会话。",
    no_messages: "还没有短信。",
    nothing_found: "没有找到。",
    number: "电话号码",
    message: "短信内容",
    send: "发送",
    gateway: "网关",
    port: "端口",
    any_port: "任意端口",
    back: "返回",
    menu: "菜单",
    delete: "删除会话",
    delete_confirm: "删除此会话及其全部短信？",
    refused: "网关拒绝发送：{reason}",
    counter: "{units}/{limit} · {segments} 条 · {encoding}",
    status_pending: "等待中",
    status_sent: "已发送",
    status_delivered: "已送达",
    status_failed: "失败",
    status_unknown: "未知",
    reply: "回复",
    card_name: "短信",
    card_description: "网关最近的短信，并可直接回复。",
    no_history: "此网关不保留短信（见其选项）。",
  },
};

export function language(hass) {
  const wanted = (hass && (hass.locale?.language || hass.language)) || "en";
  return wanted.startsWith("zh") ? "zh-Hans" : "en";
}

export function translate(hass, key, values = {}) {
  const words = WORDS[language(hass)];
  let text = words[key] ?? WORDS.en[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replace(`{${name}}`, value);
  return text;
}

export function when(hass, seconds) {
  if (seconds === undefined || seconds === null) return "";
  const date = new Date(seconds * 1000);
  const locale = language(hass) === "zh-Hans" ? "zh-CN" : hass?.locale?.language || "en";
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

const MARKS = { pending: "…", sent: "✓", delivered: "✓✓", failed: "!", unknown: "?" };

export function statusMark(status) {
  return MARKS[status] || "";
}

export function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
