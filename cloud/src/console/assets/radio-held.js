// Held CAP messages: why each waits, what it says in its own language, and the operator's decision:
// confirm (the hamlets and the Vietnamese words to read) or reject.
import { api, describeFailure, el, fill, formatTime, pageData, runChange, say } from './console.js';

const { strings: s, hamlets, lang } = pageData();
const list = document.getElementById('held-list');
const status = document.getElementById('held-status');
const hamletName = new Map(hamlets.map((h) => [h.code, h.name]));
const titleOf = (h) => h.headline ?? h.title;

/** The hamlets to play in, ticked as the message's areas say (none when they could not be placed). */
function hamletChoices(h) {
  const chosen = new Set(h.targets?.all ? hamlets.map((x) => x.code) : (h.targets?.hamlets ?? []));
  return el('fieldset', {},
    el('legend', { textContent: s.targets }),
    el('div', { className: 'choices' }, ...hamlets.map((x) => el('label', {}, el('input', { type: 'checkbox', name: 'hamlet', value: x.code, checked: chosen.has(x.code) }), ` ${x.name}`))),
  );
}

/** Runs a decision with the item's buttons disabled, says what came of it, and lists again. */
const decide = (article, action) => runChange(article.querySelectorAll('button'), { status, strings: s, after: refresh }, action);

function item(h) {
  const textId = `held-text-${h.id}`;
  const reject = el('button', { type: 'button', textContent: s.heldReject });
  const form = el('form', { className: 'stack' },
    hamletChoices(h),
    el('label', { htmlFor: textId, textContent: s.heldText }),
    el('textarea', { id: textId, name: 'text', maxLength: 5000, value: h.text ?? '', placeholder: h.originalText }),
    el('div', { className: 'actions' }, el('button', { type: 'submit', className: 'danger', textContent: s.heldConfirm }), reject),
  );
  const article = el('article', { className: 'card danger-zone', id: `held-${h.id}` },
    el('h3', { textContent: titleOf(h) }),
    el('p', { className: 'hint', textContent: fill(s.heldFrom, { sender: h.capSender, at: formatTime(h.receivedAt, lang) }) }),
    el('p', {}, el('strong', { textContent: s.heldReasons }), ` ${h.reasons.map((r) => s[`reason_${r}`] ?? r).join('; ')}`),
    el('p', { textContent: fill(s.heldArea, { area: h.areaDesc || '—' }) }),
    h.riskLevel ? el('p', { textContent: fill(s.heldRisk, { level: h.riskLevel }) }) : null,
    el('p', { className: 'hint', textContent: fill(s.heldOriginal, { lang: h.language }) }),
    el('blockquote', { lang: h.language, textContent: h.originalText }),
    form,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll('input[name="hamlet"]:checked')].map((i) => i.value);
    const text = form.elements.namedItem('text').value.trim();
    if (!chosen.length) return say(status, s.pickHamlet, 'error');
    if (!text) return say(status, s.heldNeedsText, 'error');
    const targets = chosen.length === hamlets.length ? { all: true } : { hamlets: chosen };
    const where = targets.all ? s.allHamlets : chosen.map((c) => hamletName.get(c) ?? c).join(', ');
    if (!confirm(fill(s.heldConfirmAsk, { title: titleOf(h), where }))) return;
    decide(article, async () => {
      const { alert } = await api('POST', `/api/v1/alerts/held/${encodeURIComponent(h.id)}/confirm`, { targets, text });
      return fill(s.heldConfirmed, { at: formatTime(alert.startsAt, lang, true), where: alert.hamlets.map((x) => x.name).join(', ') });
    });
  });
  reject.addEventListener('click', () => {
    if (!confirm(fill(s.heldRejectAsk, { title: titleOf(h) }))) return;
    decide(article, async () => {
      await api('POST', `/api/v1/alerts/held/${encodeURIComponent(h.id)}/reject`, {});
      return fill(s.heldRejected, { title: titleOf(h) });
    });
  });
  return article;
}

/** New messages are added and decided ones removed; one being written keeps what the operator typed. */
async function refresh() {
  try {
    const { held } = await api('GET', '/api/v1/alerts/held');
    const kept = new Map([...list.querySelectorAll('article')].map((a) => [a.id, a]));
    list.replaceChildren(...(held.length ? held.map((h) => kept.get(`held-${h.id}`) ?? item(h)) : [el('p', { className: 'hint', textContent: s.noHeld })]));
  } catch (err) {
    say(status, describeFailure(err, s), 'error');
  }
}

refresh();
setInterval(() => { if (!document.hidden) refresh(); }, 10_000);
