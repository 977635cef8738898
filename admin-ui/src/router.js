// A hash router (TodoMVC): a table of "#/path" -> handler, re-run on every hashchange.

/**
 * @typedef {(signal: AbortSignal) => void | Promise<void>} RouteHandler
 *   Renders one screen; `signal` aborts when the next screen replaces it (drop listeners).
 */

/**
 * @param {Record<string, RouteHandler>} routes e.g. { "#/": home, "#/login": login }
 * @param {string} fallback the route for an unknown hash
 * @returns {{ start: () => void, navigate: (hash: string) => void, refresh: () => void }}
 */
export function createRouter(routes, fallback) {
  let controller = new AbortController();

  function current() {
    const hash = window.location.hash || fallback;
    return hash in routes ? hash : fallback;
  }

  function refresh() {
    controller.abort();
    controller = new AbortController();
    const result = routes[current()](controller.signal);
    if (result instanceof Promise) {
      result.catch((error) => console.error("screen failed to render", error));
    }
  }

  return {
    start() {
      window.addEventListener("hashchange", refresh);
      refresh();
    },
    navigate(hash) {
      if (window.location.hash === hash) refresh();
      else window.location.hash = hash;
    },
    refresh,
  };
}
