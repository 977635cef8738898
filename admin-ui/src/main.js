// Composition root (TodoMVC's app.js): the API client, the session, the router, the screens.

import { ApiError, createApi } from "./api.js";
import { errorText } from "./components/notice.js";
import { el, qs, replace } from "./dom.js";
import { language, onLanguageChange, t } from "./i18n.js";
import * as login from "./pages/auth/login.js";
import * as overview from "./pages/home/overview.js";
import { createRouter } from "./router.js";

/**
 * What every screen receives.
 * @typedef {object} Context
 * @property {ReturnType<typeof createApi>} api
 * @property {{ user: { username: string, role: string } | null }} session
 * @property {EventTarget} events notifications between panels (e.g. "card-created")
 * @property {AbortSignal} signal aborted when the screen is replaced
 * @property {(hash: string) => void} navigate
 * @property {() => Promise<void>} logout
 */

const root = /** @type {HTMLElement} */ (qs("#app"));
const session = { user: null };
const events = new EventTarget();
const api = createApi({
  onUnauthorized: () => {
    session.user = null;
    router.navigate("#/login");
  },
});

const router = createRouter({
  "#/login": (signal) => login.render(root, context(signal)),
  "#/": async (signal) => {
    if (!session.user) {
      replace(root, el("p", { class: "loading" }, t("app.loading")));
      try {
        session.user = await api.me();
      } catch (error) {
        // 401: onUnauthorized has already sent the user to the sign-in screen.
        if (!(error instanceof ApiError && error.status === 401)) showFailure(error);
        return;
      }
    }
    if (!signal.aborted) overview.render(root, context(signal));
  },
}, "#/");

/** @param {AbortSignal} signal @returns {Context} */
function context(signal) {
  return { api, session, events, signal, navigate: router.navigate, logout };
}

async function logout() {
  try {
    await api.logout();
  } catch {
    // signed out locally either way; the session expires on the server by itself
  } finally {
    session.user = null;
    router.navigate("#/login");
  }
}

/** @param {unknown} error */
function showFailure(error) {
  replace(root, el("div", { class: "panel failure" },
    el("p", { role: "alert" }, errorText(error)),
    el("button", { type: "button", class: "primary", onClick: () => router.refresh() }, t("app.retry"))));
}

function applyLanguage() {
  document.documentElement.lang = language();
  document.title = t("app.title");
}

onLanguageChange(() => {
  applyLanguage();
  router.refresh();
});
applyLanguage();
router.start();
