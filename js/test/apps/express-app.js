// The conformance app (LIFECYCLE.md) in Express, over HTTP on 127.0.0.1.

import express from 'express';

import { sealedSession } from '../../dist/express.js';
import { OPTIONS, legacy } from './hono-app.js';

export function createExpressApp(keyring, extra = {}, legacyKey = undefined) {
  const app = express();
  app.use(sealedSession({ keyring, ...OPTIONS, ...legacy(legacyKey), ...extra }));
  const bump = (req) => {
    const n = (req.session.get('n') ?? 0) + 1;
    req.session.set('n', n);
    return n;
  };
  app.get('/none', (_req, res) => res.type('text').send('none'));
  app.get('/read', (req, res) => res.type('text').send(String(req.session.get('n') ?? 0)));
  app.get('/user', (req, res) => res.type('text').send(String(req.session.get('user') ?? '')));
  app.get('/write', (req, res) => res.type('text').send(String(bump(req))));
  app.get('/purge', (req, res) => {
    req.session.purge();
    res.type('text').send('');
  });
  app.get('/regenerate', (req, res) => {
    req.session.regenerate();
    res.type('text').send(String(bump(req)));
  });
  app.get('/status/:code', (req, res) => {
    bump(req);
    const code = Number(req.params.code);
    if (code === 302) return res.redirect(302, '/');
    res.status(code).end();
  });
  app.get('/fail', (req) => {
    bump(req);
    throw new Error('the handler failed');
  });
  app.get('/big', (req, res) => {
    req.session.set('big', 'x'.repeat(5000));
    res.type('text').send('too big');
  });
  return app;
}
