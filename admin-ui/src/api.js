// The only module that talks to the server. Same-origin calls to the gateway; the session
// is the httpOnly cookie set by login (the UI never sees or stores a token). Failures become
// ApiError carrying the RFC 9457 problem. No DOM here (TodoMVC's model/view split).

/** An HTTP call that failed: `status`, `code` (the problem's error_code), `detail`. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {{ title?: string, detail?: string, error_code?: string,
   *           invalid_params?: { name: string, reason: string }[] }} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.error_code || "http_error";
    this.problem = problem;
    this.invalidParams = problem.invalid_params || [];
  }
}

/**
 * Turn a failed response into an ApiError (problem+json, other JSON, or text).
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
async function toError(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return new ApiError(response.status, await response.json());
    } catch {
      // fall through: a broken body still has a status
    }
  }
  return new ApiError(response.status, { title: response.statusText });
}

const LOGIN = "/v1/admin/auth/login";

/**
 * A client of the admin API. `onUnauthorized` runs when a call other than login answers 401
 * (no session, or it expired), before the ApiError is thrown.
 * @param {{ baseUrl?: string, fetch?: typeof fetch, onUnauthorized?: () => void }} [options]
 */
export function createApi({
  baseUrl = "",
  fetch: fetchImpl = globalThis.fetch.bind(globalThis),
  onUnauthorized = () => {},
} = {}) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, query?: Record<string, string | number | null | undefined> }} [options]
   * @returns {Promise<any>} the JSON body, or null for 204
   */
  async function request(method, path, { body, query } = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
    }
    const search = params.toString();
    const url = `${baseUrl}${path}${search ? `?${search}` : ""}`;
    const headers = { Accept: "application/json, application/problem+json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, { error_code: "network_error", detail: String(error) });
    }
    if (response.status === 401 && path !== LOGIN) onUnauthorized();
    if (!response.ok) throw await toError(response);
    return response.status === 204 ? null : response.json();
  }

  return {
    request,
    /** @param {string} username @param {string} password */
    login: (username, password) =>
      request("POST", LOGIN, { body: { username, password } }),
    logout: () => request("POST", "/v1/admin/auth/logout"),
    me: () => request("GET", "/v1/admin/auth/me"),
    /** @param {{ q?: string, sort?: string, limit?: number, cursor?: string | null }} [query] */
    listCards: (query = {}) => request("GET", "/v1/admin/master-cards", { query }),
    /** @param {{ sku: string, title: string }} card */
    createCard: (card) => request("POST", "/v1/admin/master-cards", { body: card }),
    /** @param {{ q?: string, sort?: string, limit?: number, cursor?: string | null }} [query] */
    listStock: (query = {}) => request("GET", "/v1/admin/inventory", { query }),
  };
}
