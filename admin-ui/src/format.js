// Formatting for display. Money arrives as decimal strings ("1234.50", API.md) and is never
// turned into a float: digits are rounded with BigInt and only the separators, sign and
// currency placement come from Intl, so the result reads exactly as Intl would print it.

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;
const patterns = new Map();

/**
 * How `locale` writes an amount of `currency`: Intl's parts for a sample amount, whose
 * digits are swapped for ours (the sample is only a template; no amount passes through it).
 * @param {string} locale
 * @param {string} currency
 * @returns {{ parts: Intl.NumberFormatPart[], group: string, scale: number }}
 */
function moneyPattern(locale, currency) {
  const key = `${locale}|${currency}`;
  if (!patterns.has(key)) {
    const format = new Intl.NumberFormat(locale, {
      style: "currency", currency, currencyDisplay: "narrowSymbol",
    });
    const parts = format.formatToParts(-1234567.5);
    const group = parts.find((p) => p.type === "group")?.value ?? "\u00a0";
    patterns.set(key, { parts, group, scale: format.resolvedOptions().maximumFractionDigits ?? 2 });
  }
  return patterns.get(key);
}

/**
 * Round a decimal string half-up (away from zero) to `scale` fraction digits.
 * @param {string} amount like "-1234.565"
 * @param {number} scale
 * @returns {{ negative: boolean, integer: string, fraction: string }}
 */
export function roundDecimal(amount, scale) {
  const match = DECIMAL.exec(String(amount).trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, frac = ""] = match;
  const digits = (frac + "0".repeat(scale + 1)).slice(0, scale + 1);
  let units = BigInt(whole + digits.slice(0, scale));
  if (digits[scale] >= "5") units += 1n;
  const text = units.toString().padStart(scale + 1, "0");
  return {
    negative: sign === "-" && units !== 0n,
    integer: text.slice(0, text.length - scale),
    fraction: text.slice(text.length - scale),
  };
}

/**
 * Money for people: `formatMoney("1234567.5")` -> "1 234 567,50 ₽" (ru-RU separators as Intl
 * prints them: no-break spaces between groups and before the sign).
 * @param {string} amount decimal string, e.g. "1234.50" or "-0.5"
 * @param {{ locale?: string, currency?: string }} [options]
 * @returns {string}
 */
export function formatMoney(amount, { locale = "ru-RU", currency = "RUB" } = {}) {
  const { parts, group, scale } = moneyPattern(locale, currency);
  const { negative, integer, fraction } = roundDecimal(amount, scale);
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  let out = "";
  let integerDone = false;
  for (const part of parts) {
    if (part.type === "minusSign") out += negative ? part.value : "";
    else if (part.type === "integer" || part.type === "group") {
      if (!integerDone) out += grouped;
      integerDone = true;
    } else if (part.type === "fraction") out += fraction;
    else if (part.type === "decimal") out += scale > 0 ? part.value : "";
    else out += part.value;
  }
  return out;
}

/**
 * A quantity (an integer from the API) with the locale's digit grouping.
 * @param {number} quantity
 * @param {string} [locale]
 * @returns {string}
 */
export function formatQuantity(quantity, locale = "ru-RU") {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(quantity);
}

/**
 * An RFC 3339 timestamp as a local date and time.
 * @param {string} timestamp e.g. "2026-11-23T20:19:34.806080Z"
 * @param {string} [locale]
 * @returns {string}
 */
export function formatDateTime(timestamp, locale = "ru-RU") {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return String(timestamp);
  return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" }).format(date);
}
