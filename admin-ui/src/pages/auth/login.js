import { field, whileBusy } from "../../components/form.js";
import { header } from "../../components/header.js";
import { errorText, notice } from "../../components/notice.js";
import { el, on, replace } from "../../dom.js";
import { t } from "../../i18n.js";

/**
 * The sign-in screen: username and password; the server sets the session cookie.
 * @param {HTMLElement} root
 * @param {import("../../main.js").Context} ctx
 */
export function render(root, ctx) {
  const message = notice();
  const username = el("input", { name: "username", autocomplete: "username", required: true, maxlength: 200 });
  const password = el("input", {
    name: "password", type: "password", autocomplete: "current-password", required: true, maxlength: 1024,
  });
  const submit = el("button", { type: "submit", class: "primary" }, t("auth.submit"));
  const form = el("form", { class: "panel login" },
    el("h1", {}, t("auth.title")),
    field(t("auth.username"), username),
    field(t("auth.password"), password),
    message.node,
    submit);

  on(form, "submit", async (event) => {
    event.preventDefault();
    message.clear();
    try {
      const result = await whileBusy(submit, t("auth.submitting"),
        () => ctx.api.login(username.value.trim(), password.value));
      ctx.session.user = result.user;
      ctx.navigate("#/");
    } catch (error) {
      message.show(errorText(error));
      password.value = "";
      password.focus();
    }
  }, { signal: ctx.signal });

  replace(root, header({ ...ctx, session: { user: null } }), el("div", { class: "login-screen" }, form));
  username.focus();
}
