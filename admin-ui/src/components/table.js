import { el } from "../dom.js";

/**
 * @typedef {object} Column
 * @property {string} label header text
 * @property {(row: any) => string | Node} value the cell's content
 * @property {"start" | "end"} [align] "end" for numbers and money
 */

/**
 * A data table; `empty` is shown in place of the rows when there are none.
 * @param {{ columns: Column[], rows: any[], empty: string, caption?: string }} options
 * @returns {HTMLElement}
 */
export function table({ columns, rows, empty, caption }) {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: alignClass(c) }, c.label)));
  const body = rows.length
    ? rows.map((row) => el("tr", {}, columns.map((c) => el("td", { class: alignClass(c) }, c.value(row)))))
    : [el("tr", {}, el("td", { class: "table-empty", colspan: columns.length }, empty))];
  return el("table", { class: "table" },
    caption ? el("caption", { class: "visually-hidden" }, caption) : null,
    el("thead", {}, head),
    el("tbody", {}, body));
}

/** @param {Column} column */
function alignClass(column) {
  return column.align === "end" ? "num" : null;
}
