// DOM helpers (TodoMVC's helpers.js): nodes are built, never parsed from strings, so data
// can only ever become text (no innerHTML anywhere in the UI).

/**
 * The first element matching `selector` inside `scope`.
 * @param {string} selector
 * @param {ParentNode} [scope]
 * @returns {Element | null}
 */
export function qs(selector, scope = document) {
  return scope.querySelector(selector);
}

/**
 * addEventListener with the options object (pass `{ signal }` to remove it on abort).
 * @param {EventTarget} target
 * @param {string} type
 * @param {(event: Event) => void} handler
 * @param {AddEventListenerOptions} [options]
 */
export function on(target, type, handler, options) {
  target.addEventListener(type, handler, options);
}

/**
 * Listen on `target` for events coming from descendants matching `selector`.
 * @param {Element} target
 * @param {string} selector
 * @param {string} type
 * @param {(event: Event, element: Element) => void} handler
 * @param {AddEventListenerOptions} [options]
 */
export function delegate(target, selector, type, handler, options) {
  on(target, type, (event) => {
    const origin = event.target instanceof Element ? event.target.closest(selector) : null;
    if (origin && target.contains(origin)) handler(event, origin);
  }, options);
}

/**
 * Build an element: `el("button", { type: "submit", class: "primary" }, "Save")`.
 * Attributes: `class`, `dataset` (object), `on<Event>` (function), booleans (present or not),
 * anything else via setAttribute. Children: nodes, strings (as text), arrays; null is skipped.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = String(value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/**
 * Append children (nodes, strings as text, nested arrays; null and false are skipped).
 * @param {Node} parent
 * @param {unknown[]} children
 */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace every child of `node` with `children`.
 * @param {Element} node
 * @param {...unknown} children
 */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
}
