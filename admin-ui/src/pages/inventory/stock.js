import { errorText, notice } from "../../components/notice.js";
import { table } from "../../components/table.js";
import { el, on, replace } from "../../dom.js";
import { formatMoney, formatQuantity } from "../../format.js";
import { locale, t } from "../../i18n.js";

// Inventory learns of a new card from catalog's event a moment later: look a few times.
const FOLLOW_ATTEMPTS = 10;
const FOLLOW_INTERVAL_MS = 300;

/**
 * Stock per card: quantity and value (zero until goods are received).
 * @param {HTMLElement} root
 * @param {import("../../main.js").Context} ctx
 */
export function render(root, ctx) {
  const message = notice();
  const list = el("div", { class: "table-wrap" });
  const refresh = el("button", { type: "button", class: "secondary" }, t("stock.refresh"));

  function draw(rows) {
    replace(list, table({
      caption: t("stock.title"),
      empty: t("stock.empty"),
      rows,
      columns: [
        { label: t("cards.sku"), value: (row) => row.sku },
        { label: t("cards.name"), value: (row) => row.title },
        { label: t("stock.quantity"), align: "end", value: (row) => formatQuantity(row.quantity, locale()) },
        { label: t("stock.value"), align: "end", value: (row) => formatMoney(row.value, { locale: locale() }) },
      ],
    }));
  }

  /** Load the first page; returns its rows ([] after a failure). */
  async function load() {
    try {
      const page = await ctx.api.listStock({ limit: 500 });
      if (ctx.signal.aborted) return [];
      message.clear();
      draw(page.items);
      return page.items;
    } catch (error) {
      if (!ctx.signal.aborted) message.show(errorText(error));
      return [];
    }
  }

  /** Reload until the card shows up (or give up quietly: the refresh button remains). */
  async function follow(cardId) {
    for (let attempt = 0; attempt < FOLLOW_ATTEMPTS && !ctx.signal.aborted; attempt += 1) {
      const rows = await load();
      if (rows.some((row) => row.card_id === cardId)) return;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
    }
  }

  on(refresh, "click", () => load(), { signal: ctx.signal });
  on(ctx.events, "card-created", (event) => follow(/** @type {CustomEvent} */ (event).detail.id),
    { signal: ctx.signal });

  replace(root, el("div", { class: "panel-head" }, el("h2", {}, t("stock.title")), refresh),
    message.node, list);
  draw([]);
  load();
}
