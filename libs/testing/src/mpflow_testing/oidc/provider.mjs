// A real OpenID Connect provider (panva/oidc-provider) standing in for Logto in tests.
//
// Reads its configuration as JSON on stdin:
//   { resource, scopes: [..], accessTokenTTL, keys: [private JWKs with kid/alg/use],
//     clients: [{ client_id, client_secret, alg, claims }], readyFile }
// listens on a free loopback port, serves the issuer at http://127.0.0.1:<port>/oidc (the
// same `/oidc` prefix as Logto), then writes the port to `readyFile`. Access tokens from
// the client_credentials grant are JWTs for `resource` (RFC 8707 / RFC 9068), signed with
// the client's `alg` (ES384, Logto's default, unless the client names another), carrying
// the client's extra `claims`.
import http from 'node:http';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(0, 'utf8'));
const { resource, scopes, accessTokenTTL, keys, clients, readyFile } = config;
const byClient = new Map(clients.map((client) => [client.client_id, client]));
const PREFIX = '/oidc';

let callback = null;
const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (callback && (url === PREFIX || url.startsWith(`${PREFIX}/`) || url.startsWith(`${PREFIX}?`))) {
    req.originalUrl = url;
    req.url = url.slice(PREFIX.length) || '/';
    callback(req, res);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${PREFIX}`;
  const provider = new Provider(issuer, {
    jwks: { keys },
    clients: clients.map(({ client_id, client_secret }) => ({
      client_id,
      client_secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    cookies: { keys: ['mpflow-test-only-cookie-key'] },
    ttl: { ClientCredentials: accessTokenTTL },
    enabledJWA: { idTokenSigningAlgValues: ['ES384', 'ES256', 'RS256', 'PS256'] },
    extraTokenClaims: async (ctx, token) => byClient.get(token.clientId)?.claims ?? undefined,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, resourceIndicator, client) => {
          if (resourceIndicator !== resource) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: scopes.join(' '),
            audience: resource,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: byClient.get(client.clientId)?.alg ?? 'ES384' } },
          };
        },
      },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  callback = provider.callback();
  writeFileSync(`${readyFile}.tmp`, String(port));
  renameSync(`${readyFile}.tmp`, readyFile);
  console.log(`oidc-provider listening: ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
