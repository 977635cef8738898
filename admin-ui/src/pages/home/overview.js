import { header } from "../../components/header.js";
import { el, replace } from "../../dom.js";
import * as cards from "../catalog/cards.js";
import * as stock from "../inventory/stock.js";

/**
 * The signed-in home screen: the user in the top bar, master cards beside the stock.
 * @param {HTMLElement} root
 * @param {import("../../main.js").Context} ctx
 */
export function render(root, ctx) {
  const cardsPanel = el("section", { class: "panel" });
  const stockPanel = el("section", { class: "panel" });
  replace(root, header(ctx), el("div", { class: "panels" }, cardsPanel, stockPanel));
  cards.render(cardsPanel, ctx);
  stock.render(stockPanel, ctx);
}
