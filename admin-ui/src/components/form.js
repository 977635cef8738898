import { el } from "../dom.js";

/**
 * A labelled form field: the label wraps its input, so no ids are needed.
 * @param {string} label
 * @param {HTMLElement} input
 * @returns {HTMLElement}
 */
export function field(label, input) {
  return el("label", { class: "field" }, el("span", { class: "field-label" }, label), input);
}

/**
 * Disable a submit button and show `busyText` while `work` runs; restore it afterwards.
 * @template T
 * @param {HTMLButtonElement} button
 * @param {string} busyText
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function whileBusy(button, busyText, work) {
  const idleText = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = idleText;
  }
}
