import { el } from "../dom.js";
import { language, setLanguage, t } from "../i18n.js";

/**
 * The top bar: product name, the signed-in user, the language switch and sign-out.
 * @param {{ session: { user: { username: string, role: string } | null }, logout: () => void }} ctx
 * @returns {HTMLElement}
 */
export function header(ctx) {
  const user = ctx.session.user;
  const other = language() === "ru" ? "en" : "ru";
  return el("header", { class: "topbar" },
    el("span", { class: "brand" }, t("app.title")),
    el("div", { class: "topbar-actions" },
      user ? el("span", { class: "user" }, t("auth.signedInAs", { username: user.username, role: user.role })) : null,
      el("button", {
        type: "button", class: "link", lang: other, title: t("app.languageHint"),
        onClick: () => setLanguage(other),
      }, t("app.language")),
      user ? el("button", { type: "button", class: "secondary", onClick: ctx.logout }, t("auth.logout")) : null));
}
