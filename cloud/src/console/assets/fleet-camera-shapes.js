// Zones and masks: polygons drawn by clicking on the camera's picture (or typed as coordinates), added or changed in place.
import { fill, say } from './console.js';
import { idFrom, showItems } from './fleet-camera-items.js';

const SVG = 'http://www.w3.org/2000/svg';

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

const polygonPoints = (polygon) => polygon.map(([x, y]) => `${x},${y}`).join(' ');
const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;

/**
 * The zone and mask editor. `camera()` is the camera as last loaded; `save(part, items, status)`
 * stores one part through the API and answers whether it worked.
 */
export function createShapeEditor({ s, camera, save, status }) {
  const form = document.getElementById('shape-form');
  const submit = document.getElementById('shape-submit');
  const cancel = document.getElementById('shape-cancel');
  const kinds = [...form.querySelectorAll('input[name="shape-kind"]')];
  let points = [];
  /** The shape being changed ({part, id}); null while adding a new one. */
  let editing = null;

  function drawOverlay() {
    const { zones, masks } = camera();
    const stored = (part, items) => items
      .filter((item) => !(editing?.part === part && editing.id === item.id))
      .map((item) => svgNode('polygon', { points: polygonPoints(item.polygon), class: part === 'zones' ? 'zone' : 'mask' }));
    const shapes = [...stored('zones', zones), ...stored('masks', masks)];
    if (points.length > 1) shapes.push(svgNode(points.length > 2 ? 'polygon' : 'polyline', { points: polygonPoints(points), class: 'drawing' }));
    for (const [x, y] of points) shapes.push(svgNode('circle', { cx: x, cy: y, r: 0.008, class: 'drawing-point' }));
    document.getElementById('overlay').replaceChildren(...shapes);
    document.getElementById('points-count').textContent = fill(s.pointsCount, { n: points.length });
  }

  function addPoint(x, y) {
    points.push([round(x), round(y)]);
    drawOverlay();
  }

  function startEditing(part, shape) {
    editing = { part, id: shape.id };
    points = shape.polygon.map(([x, y]) => [x, y]);
    for (const kind of kinds) {
      kind.checked = kind.value === part;
      kind.disabled = true; // a zone stays a zone: rules may name it
    }
    form.elements.name.value = shape.name;
    submit.textContent = s.saveChanges;
    cancel.hidden = false;
    say(status, fill(s.editing, { name: shape.name }), 'notice');
    drawOverlay();
    form.elements.name.focus();
  }

  function stopEditing() {
    editing = null;
    points = [];
    for (const kind of kinds) kind.disabled = false;
    form.elements.name.value = '';
    submit.textContent = s.saveShape;
    cancel.hidden = true;
    drawOverlay();
  }

  function render() {
    const { zones, masks } = camera();
    const listOf = (part) => (shape) => [
      { label: s.edit, run: () => startEditing(part, shape) },
      { label: s.remove, run: () => save(part, camera()[part].filter((x) => x.id !== shape.id), status) },
    ];
    const describe = (shape) => fill(s.points, { n: shape.polygon.length });
    showItems('zones-list', zones, s.none, describe, listOf('zones'));
    showItems('masks-list', masks, s.none, describe, listOf('masks'));
    drawOverlay();
  }

  document.getElementById('snapshot-frame').addEventListener('click', (event) => {
    const box = event.currentTarget.getBoundingClientRect();
    addPoint((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  });
  document.getElementById('add-point').addEventListener('click', () => {
    const x = document.getElementById('point-x');
    const y = document.getElementById('point-y');
    if (x.value === '' || y.value === '' || !x.checkValidity() || !y.checkValidity()) return x.reportValidity() && y.reportValidity();
    addPoint(Number(x.value), Number(y.value));
  });
  document.getElementById('undo-point').addEventListener('click', () => { points.pop(); drawOverlay(); });
  document.getElementById('clear-points').addEventListener('click', () => { points = []; drawOverlay(); });
  cancel.addEventListener('click', () => { stopEditing(); say(status, ''); });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const part = editing?.part ?? new FormData(form).get('shape-kind');
    const name = form.elements.name.value.trim();
    if (points.length < 3) return say(status, s.needThree, 'error');
    const items = camera()[part];
    const saved = editing
      ? await save(part, items.map((item) => (item.id === editing.id ? { ...item, name, polygon: points } : item)), status)
      : await save(part, [...items, { id: idFrom(name, items.map((x) => x.id)), name, polygon: points }], status);
    if (saved) stopEditing();
  });

  return { render };
}
