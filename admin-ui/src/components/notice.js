import { el, replace } from "../dom.js";
import { has, t } from "../i18n.js";

/**
 * The text to show for a failed call: our own message for a known error code, else the
 * server's detail (which names what is wrong and what to do).
 * @param {unknown} error an ApiError or any other error
 * @returns {string}
 */
export function errorText(error) {
  const code = /** @type {any} */ (error)?.code;
  if (code === "validation_error") {
    const fields = (/** @type {any} */ (error).invalidParams || []).map((p) => p.name).join(", ");
    return t("errors.validation_error", { fields });
  }
  if (code && has(`errors.${code}`)) return t(`errors.${code}`);
  return error instanceof Error ? error.message : String(error);
}

/**
 * A live region for messages; `show(text, kind)` replaces its content, `clear()` empties it.
 * @returns {{ node: HTMLElement, show: (text: string, kind?: "error" | "info") => void, clear: () => void }}
 */
export function notice() {
  const node = el("p", { class: "notice", role: "status", hidden: true });
  return {
    node,
    show(text, kind = "error") {
      node.className = `notice notice-${kind}`;
      node.setAttribute("role", kind === "error" ? "alert" : "status");
      node.hidden = false;
      replace(node, text);
    },
    clear() {
      node.hidden = true;
      replace(node);
    },
  };
}
