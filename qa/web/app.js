// The chat page: asks POST /chat with stream=true, renders the answer as it arrives, and opens a
// cited passage in its document (GET /documents/{source}) with the quoted span highlighted.
"use strict";

const MAX_HISTORY = 20; // the server accepts at most 20 earlier turns
const KEY_STORAGE = "qa-api-key";

const $ = (id) => document.getElementById(id);
const conversation = []; // earlier turns, sent with each question so follow-ups are understood
const documents = new Map(); // source -> Promise of the document

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- talking to the server -------------------------------------------------------------

function authHeaders(extra = {}) {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function call(path, options = {}) {
  const response = await fetch(path, { ...options, headers: authHeaders(options.headers) });
  if (response.status === 401) {
    $("keybox").hidden = false;
    $("key").focus();
    throw new Error("This server needs an API key: enter it above the question box and ask again.");
  }
  if (!response.ok) {
    let message = `The server answered ${response.status}.`;
    try {
      message = (await response.json()).error.message;
    } catch (_) { /* not JSON: keep the status line */ }
    throw new Error(message);
  }
  return response;
}

// Server-Sent Events from a fetch() response (EventSource cannot POST).
async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { event, data: JSON.parse(data.join("\n")) };
    }
  }
}

function loadDocument(source) {
  if (!documents.has(source)) {
    const path = source.split("/").map(encodeURIComponent).join("/");
    const promise = call(`/documents/${path}`).then((response) => response.json());
    promise.catch(() => documents.delete(source));
    documents.set(source, promise);
  }
  return documents.get(source);
}

// ---- the conversation ------------------------------------------------------------------

function scrollToEnd() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

function citeButton(citation) {
  const button = element("button", "cite", String(citation.id));
  button.type = "button";
  button.dataset.id = citation.id;
  button.setAttribute("aria-label", `Show source ${citation.id}`);
  button.addEventListener("click", () => showSource(citation, button));
  return button;
}

// The answer text with every [n] that names a citation turned into a button.
// A fenced code block of an answer: quoted code, shown as written; brackets in it (`v[2]`) are no citations.
const FENCED = /(`{3,})[^\n`]*\n([\s\S]*?)\n?\1(?!`)/g;

function renderProse(target, text, byId) {
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byId.get(match[1]);
    if (!citation) continue;
    target.append(text.slice(last, match.index), citeButton(citation));
    last = match.index + match[0].length;
  }
  target.append(text.slice(last));
}

function renderAnswer(target, text, citations) {
  const byId = new Map(citations.map((c) => [String(c.id), c]));
  target.replaceChildren();
  let last = 0;
  for (const block of text.matchAll(FENCED)) {
    renderProse(target, text.slice(last, block.index), byId);
    const pre = element("pre", "code");
    pre.append(element("code", null, block[2]));
    target.append(pre);
    last = block.index + block[0].length;
  }
  renderProse(target, text.slice(last), byId);
}

function renderSources(target, citations) {
  const list = element("ol", "sources");
  list.setAttribute("aria-label", "Sources");
  for (const citation of citations) {
    const item = element("li");
    const button = element("button", "source");
    button.type = "button";
    const about = element("span");
    const page = citation.page && `p. ${citation.page}`;
    const name = [citation.title || citation.source, citation.date, page].filter(Boolean).join(" · ");
    about.append(element("div", "source-name", name), element("div", "source-quote", `“${citation.quote}”`));
    button.append(element("span", "cite", String(citation.id)), about);
    button.addEventListener("click", () => showSource(citation, button.querySelector(".cite")));
    item.append(button);
    list.append(item);
  }
  target.append(list);
}

function addTurn(question) {
  $("empty").hidden = true;
  const user = element("li");
  user.append(element("div", "user", question));
  const bot = element("li");
  const box = element("div", "bot");
  const used = element("div", "used");
  used.hidden = true;
  const answer = element("div", "answer pending");
  box.append(used, answer);
  bot.append(box);
  $("log").append(user, bot);
  scrollToEnd();
  return { box, used, answer };
}

function showQuestionUsed(turn, question, questionUsed) {
  if (questionUsed && questionUsed !== question) {
    turn.used.textContent = `Searched for: ${questionUsed}`;
    turn.used.hidden = false;
  }
}

async function ask(question) {
  const turn = addTurn(question);
  let citations = [];
  let text = "";
  let draft = "";
  let result = null;
  try {
    const response = await call("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, history: conversation.slice(-MAX_HISTORY), stream: true }),
    });
    for await (const { event, data } of serverEvents(response)) {
      if (event === "token") {
        // generated mode: the LLM's unverified draft, replaced by the verified answer below
        draft += data.text;
        turn.answer.textContent = draft;
        turn.answer.classList.add("draft");
        scrollToEnd();
      } else if (event === "citations") {
        turn.answer.classList.remove("draft");
        turn.answer.textContent = "";
        citations = data.citations;
        showQuestionUsed(turn, question, data.question_used);
      } else if (event === "delta") {
        text += data.text;
        renderAnswer(turn.answer, text, citations);
        scrollToEnd();
      } else if (event === "done") {
        result = data;
      }
    }
    if (!result) throw new Error("The answer stream ended early; please ask again.");
  } catch (error) {
    turn.answer.classList.remove("pending");
    turn.box.classList.add("error");
    turn.answer.textContent = error.message;
    return;
  }
  turn.answer.classList.remove("pending");
  showQuestionUsed(turn, question, result.question_used);
  if (result.fallback) {
    turn.box.append(element("div", "used", `Quoted instead of generated: ${result.fallback}.`));
  }
  renderAnswer(turn.answer, result.answer, result.citations);
  if (typeof result.confidence === "number") {
    turn.box.append(element("div", "confidence", `confidence ${result.confidence.toFixed(2)}`));
  }
  if (result.abstained) {
    turn.box.classList.add("refusal");
  } else {
    renderSources(turn.box, result.citations);
  }
  conversation.push({ role: "user", content: question }, { role: "assistant", content: result.answer });
  scrollToEnd();
}

// ---- the source viewer -----------------------------------------------------------------

function closeViewer() {
  $("viewer").hidden = true;
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
}

async function showSource(citation, button) {
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
  button?.classList.add("active");
  const viewer = $("viewer");
  const body = $("viewer-text");
  $("viewer-title").textContent = citation.title || citation.source;
  $("viewer-meta").textContent = "Loading…";
  body.replaceChildren();
  viewer.hidden = false;
  let doc;
  try {
    doc = await loadDocument(citation.source);
  } catch (error) {
    $("viewer-meta").textContent = error.message;
    return;
  }
  // Offsets count code points (Python); JavaScript strings count UTF-16 units.
  const chars = Array.from(doc.text);
  const quoted = chars.slice(citation.start, citation.end).join("");
  const mark = element("mark", "", quoted);
  body.append(chars.slice(0, citation.start).join(""), mark, chars.slice(citation.end).join(""));
  const page = citation.page && `page ${citation.page}`;
  const meta = [doc.title && doc.source, doc.date, page, `characters ${citation.start}–${citation.end}`];
  if (quoted !== citation.quote) meta.push("the document changed since this answer");
  $("viewer-meta").textContent = meta.filter(Boolean).join(" · ");
  mark.scrollIntoView({ block: "center" });
}

// ---- wiring ----------------------------------------------------------------------------

async function describeCorpus() {
  try {
    const docs = await (await call("/documents")).json();
    const names = docs.slice(0, 4).map((d) => d.title || d.source);
    const more = docs.length > names.length ? `, and ${docs.length - names.length} more` : "";
    $("corpus").textContent = `${docs.length} document${docs.length === 1 ? "" : "s"} indexed: ${names.join(", ")}${more}.`;
  } catch (error) {
    $("corpus").textContent = error.message;
  }
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("question").readOnly = busy;
}

function grow() {
  const box = $("question");
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight}px`;
}

$("ask").addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = $("question");
  const question = box.value.trim();
  if (!question || $("send").disabled) return;
  box.value = "";
  grow();
  setBusy(true);
  try {
    await ask(question);
  } finally {
    setBusy(false);
    box.focus();
  }
});

$("question").addEventListener("input", grow);
$("question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("ask").requestSubmit();
  }
});

$("key").addEventListener("change", (event) => {
  localStorage.setItem(KEY_STORAGE, event.target.value.trim());
  $("keybox").hidden = true;
  describeCorpus();
});

$("reset").addEventListener("click", () => {
  conversation.length = 0;
  $("log").replaceChildren();
  $("empty").hidden = false;
  closeViewer();
  $("question").focus();
});

$("viewer-close").addEventListener("click", closeViewer);
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") closeViewer();
});

describeCorpus();
