/**
 * A small element builder: the dashboard renders with plain DOM calls, so text is always
 * set as text (never parsed as HTML) and there is no framework to install or update.
 */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Array<Child | Child[]>): void {
  parent.replaceChildren();
  append(parent, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(
  tag: string,
  attrs: Record<string, string | number> = {},
  ...children: Node[]
): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.appendChild(child);
  return el;
}

/**
 * Runs a re-render of `container` and puts the keyboard focus back on the equivalent
 * control (same id, or same accessible label) so live updates never steal an operator's place.
 */
export function keepingFocus(container: Element, render: () => void): void {
  const active = document.activeElement;
  const inside = active instanceof HTMLElement && container.contains(active) ? active : null;
  const selector = inside
    ? inside.id
      ? `#${CSS.escape(inside.id)}`
      : inside.getAttribute('aria-label')
        ? `${inside.tagName.toLowerCase()}[aria-label="${CSS.escape(inside.getAttribute('aria-label') ?? '')}"]`
        : null
    : null;
  render();
  if (selector) container.querySelector<HTMLElement>(selector)?.focus();
}
