import { field, whileBusy } from "../../components/form.js";
import { errorText, notice } from "../../components/notice.js";
import { table } from "../../components/table.js";
import { el, on, replace } from "../../dom.js";
import { formatDateTime } from "../../format.js";
import { locale, t } from "../../i18n.js";

const PAGE_SIZE = 50;

/**
 * Master cards: a small create form and the list (newest first, "show more" pages on).
 * Announces each new card as a `card-created` event on `ctx.events`.
 * @param {HTMLElement} root
 * @param {import("../../main.js").Context} ctx
 */
export function render(root, ctx) {
  const state = { items: [], total: 0, nextCursor: null };
  const message = notice();
  const sku = el("input", { name: "sku", required: true, maxlength: 64, autocomplete: "off", spellcheck: "false" });
  const title = el("input", { name: "title", required: true, maxlength: 500, autocomplete: "off" });
  const submit = el("button", { type: "submit", class: "primary" }, t("cards.create"));
  const form = el("form", { class: "inline-form" },
    field(t("cards.sku"), sku), field(t("cards.name"), title), submit);
  const total = el("p", { class: "muted" });
  const list = el("div", { class: "table-wrap" });
  const more = el("button", { type: "button", class: "link", hidden: true }, t("cards.more"));

  function draw() {
    replace(total, t("cards.total", { total: state.total }));
    replace(list, table({
      caption: t("cards.title"),
      empty: t("cards.empty"),
      rows: state.items,
      columns: [
        { label: t("cards.sku"), value: (card) => card.sku },
        { label: t("cards.name"), value: (card) => card.title },
        { label: t("cards.status"), value: (card) => t(`status.${card.status}`) },
        { label: t("cards.createdAt"), value: (card) => formatDateTime(card.created_at, locale()) },
      ],
    }));
    more.hidden = !state.nextCursor;
  }

  async function load(cursor = null) {
    try {
      const page = await ctx.api.listCards({ limit: PAGE_SIZE, cursor });
      if (ctx.signal.aborted) return;
      state.items = cursor ? [...state.items, ...page.items] : page.items;
      state.total = page.total;
      state.nextCursor = page.next_cursor;
      draw();
    } catch (error) {
      if (!ctx.signal.aborted) message.show(errorText(error));
    }
  }

  on(form, "submit", async (event) => {
    event.preventDefault();
    message.clear();
    try {
      const card = await whileBusy(submit, t("cards.creating"),
        () => ctx.api.createCard({ sku: sku.value.trim(), title: title.value.trim() }));
      form.reset();
      sku.focus();
      message.show(t("cards.created", { sku: card.sku }), "info");
      ctx.events.dispatchEvent(new CustomEvent("card-created", { detail: card }));
      await load();
    } catch (error) {
      message.show(errorText(error));
    }
  }, { signal: ctx.signal });
  on(more, "click", () => load(state.nextCursor), { signal: ctx.signal });

  replace(root, el("h2", {}, t("cards.title")), form, message.node, total, list, more);
  draw();
  load();
}
