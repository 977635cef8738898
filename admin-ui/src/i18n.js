// Interface language: Russian by default, English on request; the choice is kept in
// localStorage. Messages are plain strings with {name} placeholders.

const STORAGE_KEY = "mpflow.language";
export const LANGUAGES = /** @type {const} */ (["ru", "en"]);
const LOCALES = { ru: "ru-RU", en: "en-GB" };

const MESSAGES = {
  ru: {
    "app.title": "OpenMPFlow",
    "app.loading": "Загрузка…",
    "app.retry": "Повторить",
    "app.language": "English",
    "app.languageHint": "Switch to English",
    "auth.title": "Вход",
    "auth.username": "Имя пользователя",
    "auth.password": "Пароль",
    "auth.submit": "Войти",
    "auth.submitting": "Входим…",
    "auth.logout": "Выйти",
    "auth.signedInAs": "{username} ({role})",
    "cards.title": "Карточки товаров",
    "cards.total": "Всего: {total}",
    "cards.sku": "Артикул",
    "cards.name": "Название",
    "cards.status": "Статус",
    "cards.createdAt": "Создана",
    "cards.create": "Создать карточку",
    "cards.creating": "Создаём…",
    "cards.created": "Карточка {sku} создана",
    "cards.empty": "Карточек пока нет",
    "cards.more": "Показать ещё",
    "status.active": "активна",
    "status.archived": "в архиве",
    "stock.title": "Остатки",
    "stock.quantity": "Количество",
    "stock.value": "Стоимость",
    "stock.empty": "Остатков пока нет",
    "stock.refresh": "Обновить",
    "errors.network_error": "Нет связи с сервером. Проверьте подключение и повторите.",
    "errors.invalid_credentials": "Неверное имя пользователя или пароль.",
    "errors.duplicate_sku": "Карточка с таким артикулом уже есть.",
    "errors.validation_error": "Проверьте поля формы: {fields}.",
  },
  en: {
    "app.title": "OpenMPFlow",
    "app.loading": "Loading…",
    "app.retry": "Retry",
    "app.language": "Русский",
    "app.languageHint": "Переключить на русский",
    "auth.title": "Sign in",
    "auth.username": "Username",
    "auth.password": "Password",
    "auth.submit": "Sign in",
    "auth.submitting": "Signing in…",
    "auth.logout": "Sign out",
    "auth.signedInAs": "{username} ({role})",
    "cards.title": "Product cards",
    "cards.total": "Total: {total}",
    "cards.sku": "SKU",
    "cards.name": "Title",
    "cards.status": "Status",
    "cards.createdAt": "Created",
    "cards.create": "Create card",
    "cards.creating": "Creating…",
    "cards.created": "Card {sku} created",
    "cards.empty": "No cards yet",
    "cards.more": "Show more",
    "status.active": "active",
    "status.archived": "archived",
    "stock.title": "Stock",
    "stock.quantity": "Quantity",
    "stock.value": "Value",
    "stock.empty": "No stock yet",
    "stock.refresh": "Refresh",
    "errors.network_error": "The server cannot be reached. Check the connection and retry.",
    "errors.invalid_credentials": "Wrong username or password.",
    "errors.duplicate_sku": "A card with this SKU already exists.",
    "errors.validation_error": "Check the form fields: {fields}.",
  },
};

const listeners = new Set();
let current = readStored() ?? "ru";

function readStored() {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(value) ? value : null;
  } catch {
    return null; // storage disabled: stay with the default
  }
}

/** @returns {"ru" | "en"} the current language */
export function language() {
  return current;
}

/** @returns {string} the BCP 47 locale for numbers and dates in the current language */
export function locale() {
  return LOCALES[current];
}

/**
 * Switch the language, remember it, and tell the listeners.
 * @param {"ru" | "en"} next
 */
export function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === current) return;
  current = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
  for (const listener of listeners) listener(next);
}

/**
 * Call `listener(language)` after every switch; returns a function that stops it.
 * @param {(language: string) => void} listener
 * @returns {() => void}
 */
export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Whether `key` has a message (to fall back to a server's text when it has none).
 * @param {string} key
 * @returns {boolean}
 */
export function has(key) {
  return key in MESSAGES[current];
}

/**
 * The message `key` in the current language, `{name}` replaced from `params`.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const message = MESSAGES[current][key] ?? MESSAGES.ru[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
