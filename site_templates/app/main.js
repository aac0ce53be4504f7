// The app's boot: the page config, the one Trusted Types policy, the router, the nav.
import { readConfig } from './config.js';

let policy = null;

/** The 'portal-summary' Trusted Types policy (only for verified summaries and replies). */
export function summaryPolicy() {
  return policy;
}

const VIEWS = {
  'sign-in': () => import('./views/sign_in.js'),
  register: () => import('./views/register.js'),
  recover: () => import('./views/recover.js'),
  summary: () => import('./views/summary.js'),
  messages: () => import('./views/messages.js'),
  requests: () => import('./views/requests.js'),
  profile: () => import('./views/profile.js'),
  account: () => import('./views/account.js'),
};

void readConfig;
void VIEWS;
