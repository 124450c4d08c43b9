// A real OpenID provider for the hub's tests: npm `oidc-provider`, configured from a JSON file.
//
// Usage: node server.js CONFIG.json
//   {"host": "127.0.0.2", "port": 4010, "issuer": "http://127.0.0.2:4010",
//    "clients": [{"client_id": "hub", "client_secret": "...", "redirect_uris": [...],
//                 "post_logout_redirect_uris": [...], "backchannel_logout_uri": "..."}],
//    "accounts": {"subject": {"name": "...", "roles": ["officer"], ...}}}
//
// Signing in is non-interactive for tests: GET /interaction/:uid shows a one-field form and
// POST /interaction/:uid/login with `subject=<sub>` finishes the login. Consent is implied for
// the configured (first-party) clients. POST /test/accounts replaces or adds accounts' claims.
// The `roles` claim is released only under the `roles` scope (as Keycloak does), so a test can
// see which scopes the hub asked for.
// Loopback only: this server exists for the tests and binds a 127.x.y.z address (`host`).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = new Map(Object.entries(config.accounts || {}));
const SCOPES = ['openid', 'email', 'profile', 'roles'];
const HOST = config.host || '127.0.0.1';

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return [
    { ...rsa, kid: `rsa-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' },
    { ...ec, kid: `ec-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'ES256' },
  ];
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const provider = new Provider(config.issuer, {
  clients: config.clients.map((c) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_session_required: Boolean(c.backchannel_logout_uri),
    ...c,
  })),
  jwks: { keys: signingKeys() },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'agency'],
    roles: ['roles'],
  },
  // The hub reads the person's claims from the ID token, not from userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><title>Sign out</title></head><body>${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
          </body></html>`;
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    if (!accounts.has(sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, ...accounts.get(sub) };
      },
    };
  },
  // The configured clients are first-party: consent for the requested scopes is implied.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) {
      const found = await Grant.find(existing);
      if (found) return found;
    }
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(SCOPES.join(' '));
    await grant.save();
    return grant;
  },
  // oidc-provider refuses outgoing requests (back-channel logout) to special-use addresses such as
  // loopback, an SSRF defence; in this test rig the hub *is* on loopback, so that guard is lifted.
  fetch: (url, { dispatcher, ...options }) => globalThis.fetch(url, options),
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>Error</title></head><body><h1>${escapeHtml(out.error)}</h1>
      <p>${escapeHtml(out.error_description || '')}</p></body></html>`;
  },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.on('backchannel.error', (_ctx, err) => console.error('backchannel.error', err.message));

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 100000) throw new Error('body too large');
  }
  return req.headers['content-type']?.startsWith('application/json') ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body));
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, '<p>interaction mismatch</p>');
  if (req.method === 'GET') {
    return send(res, 200, `<!DOCTYPE html><html><head><title>Sign in</title></head><body>
      <h1>Sign in (${escapeHtml(details.prompt.name)})</h1>
      <form method="post" action="/interaction/${escapeHtml(uid)}/login">
        <label for="subject">Subject</label><input id="subject" name="subject">
        <button type="submit">Sign in</button>
      </form></body></html>`);
  }
  if (action !== 'login') return send(res, 404, '<p>not found</p>');
  const form = await readForm(req);
  if (!accounts.has(form.subject)) return send(res, 400, '<p>unknown subject</p>');
  return provider.interactionFinished(req, res, { login: { accountId: form.subject } }, { mergeWithLastSubmission: false });
}

const providerCallback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, config.issuer);
  const match = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/);
  try {
    if (match) return await interaction(req, res, match[1], match[2]);
    if (url.pathname === '/test/accounts' && req.method === 'POST') {
      const changes = await readForm(req);
      for (const [sub, claims] of Object.entries(changes)) accounts.set(sub, claims);
      return send(res, 204, '');
    }
    return providerCallback(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) send(res, 400, `<p>${escapeHtml(err.message)}</p>`);
  }
});
server.listen(config.port, HOST, () => {
  console.log(`listening ${config.issuer}`);
});
