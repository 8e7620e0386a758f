// Detection rules of a camera: what, where and when raises an incident, and whether it is an alert for police or a detection kept for search; added, changed in place, switched off and on.
import { fill, say } from './console.js';
import { idFrom, showItems } from './fleet-camera-items.js';

/** "22:00-05:00" lines → [{start, end}]; null (and a message) when a line is not a window. */
function parseWindows(text, status, s) {
  const windows = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const match = /^([01]\d|2[0-3]):([0-5]\d)\s*[-–]\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(line);
    if (!match) {
      say(status, fill(s.windowInvalid, { line }), 'error');
      return null;
    }
    windows.push({ start: `${match[1]}:${match[2]}`, end: `${match[3]}:${match[4]}` });
  }
  return windows;
}

/** The rule editor; `camera()` and `save()` as for the shape editor. */
export function createRuleEditor({ s, camera, save }) {
  const form = document.getElementById('rule-form');
  const status = document.getElementById('rule-status');
  const submit = document.getElementById('rule-submit');
  const cancel = document.getElementById('rule-cancel');
  /** The id of the rule being changed; null while adding one. */
  let editingId = null;

  function describe(rule) {
    const classes = (rule.classes ?? []).map((c) => s[`class_${c}`] ?? c).join(', ');
    const zone = rule.zone ? camera().zones.find((z) => z.id === rule.zone)?.name ?? rule.zone : s.anywhere;
    const windows = rule.windows?.length ? rule.windows.map((w) => `${w.start}–${w.end}`).join(', ') : s.always;
    const off = rule.enabled === false ? ` (${s.ruleOff})` : '';
    const kind = s[`severity_${rule.severity ?? 'alert'}`];
    return `${kind}; ${zone}; ${classes}; ${windows}; ${s.minDwell}: ${rule.minDwellSeconds}; ${s.cooldown}: ${rule.cooldownSeconds}${off}`;
  }

  const replace = (changed) => camera().rules.map((rule) => (rule.id === changed.id ? changed : rule));

  function startEditing(rule) {
    editingId = rule.id;
    form.elements.name.value = rule.name;
    form.elements.zone.value = rule.zone ?? '';
    for (const box of form.querySelectorAll('input[name="classes"]')) box.checked = (rule.classes ?? []).includes(box.value);
    form.elements.windows.value = (rule.windows ?? []).map((w) => `${w.start}-${w.end}`).join('\n');
    form.elements.minDwellSeconds.value = rule.minDwellSeconds;
    form.elements.cooldownSeconds.value = rule.cooldownSeconds;
    form.elements.severity.value = rule.severity ?? 'alert';
    submit.textContent = s.saveChanges;
    cancel.hidden = false;
    say(status, fill(s.editing, { name: rule.name }), 'notice');
    form.elements.name.focus();
  }

  function stopEditing() {
    editingId = null;
    form.reset();
    submit.textContent = s.addRule;
    cancel.hidden = true;
  }

  function render() {
    showItems('rules-list', camera().rules, s.none, describe, (rule) => [
      { label: s.edit, run: startEditing },
      { label: rule.enabled === false ? s.enable : s.disable, run: () => save('rules', replace({ ...rule, enabled: rule.enabled === false }), status) },
      { label: s.remove, run: () => save('rules', camera().rules.filter((r) => r.id !== rule.id), status) },
    ]);
    const zoneSelect = form.elements.zone;
    const chosen = zoneSelect.value;
    zoneSelect.replaceChildren(zoneSelect.options[0], ...camera().zones.map((z) => new Option(z.name, z.id)));
    zoneSelect.value = chosen;
  }

  cancel.addEventListener('click', () => { stopEditing(); say(status, ''); });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const classes = data.getAll('classes');
    if (classes.length === 0) return say(status, s.chooseClass, 'error');
    const windows = parseWindows(data.get('windows'), status, s);
    if (!windows) return;
    const name = data.get('name').trim();
    const previous = camera().rules.find((r) => r.id === editingId);
    const rule = {
      id: previous?.id ?? idFrom(name, camera().rules.map((r) => r.id)),
      name,
      enabled: previous?.enabled ?? true,
      classes,
      ...(data.get('zone') ? { zone: data.get('zone') } : {}),
      ...(windows.length ? { windows } : {}),
      minDwellSeconds: Number(data.get('minDwellSeconds')),
      cooldownSeconds: Number(data.get('cooldownSeconds')),
      severity: data.get('severity') === 'detection' ? 'detection' : 'alert',
    };
    if (await save('rules', previous ? replace(rule) : [...camera().rules, rule], status)) stopEditing();
  });

  return { render };
}
